"""Kata 4.5: many-to-many — a `secondary` association table; add and remove without duplicates.

Articles and tags are given. You write the association table, the two relationships through it,
and functions that tag and untag articles without ever writing a row twice.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Column, ForeignKey, String, Table, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    pass


# TODO (task 1): the association table `article_tags(article_id, tag_id)`


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # TODO (task 1): `tags`, the article's tags, through article_tags, in sync with Tag.articles

    def __repr__(self) -> str:
        return f"Article({self.title!r})"


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    # TODO (task 1): `articles`, the articles with this tag, in sync with Article.tags

    def __repr__(self) -> str:
        return f"Tag({self.name!r})"


def tag_article(session: Session, article: Article, names: Iterable[str]) -> None:
    """Give `article` the tags with these names (in addition to the ones it has), then flush.

    Reuse the Tag of a name that exists; create the ones that do not. Names may repeat and the
    article may already have some of them: no tag and no (article, tag) pair is ever stored twice.
    A bounded number of statements, whatever the number of names (no query per name).
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def untag_article(session: Session, article: Article, names: Iterable[str]) -> None:
    """Take the tags with these names off `article` (names it does not have are ignored), then flush.

    The tags themselves stay (other articles may use them): only the association rows go.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def articles_tagged(session: Session, name: str) -> list[str]:
    """Titles of the articles with the tag `name`, sorted; one statement."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
