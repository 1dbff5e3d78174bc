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


# BEGIN SOLUTION
# A plain Table, not a class: it has no columns of its own beyond the two foreign keys. The
# composite primary key makes the database refuse the same (article, tag) pair twice.
article_tags = Table(
    "article_tags",
    Base.metadata,
    Column("article_id", ForeignKey("articles.id"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id"), primary_key=True),
)
# END SOLUTION
# BEGIN STUB
# # TODO (task 1): the association table `article_tags(article_id, tag_id)`
# END STUB


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # BEGIN SOLUTION
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, back_populates="articles")
    # END SOLUTION
    # BEGIN STUB
    # # TODO (task 1): `tags`, the article's tags, through article_tags, in sync with Tag.articles
    # END STUB

    def __repr__(self) -> str:
        return f"Article({self.title!r})"


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    # BEGIN SOLUTION
    articles: Mapped[list[Article]] = relationship(secondary=article_tags, back_populates="tags")
    # END SOLUTION
    # BEGIN STUB
    # # TODO (task 1): `articles`, the articles with this tag, in sync with Article.tags
    # END STUB

    def __repr__(self) -> str:
        return f"Tag({self.name!r})"


def tag_article(session: Session, article: Article, names: Iterable[str]) -> None:
    """Give `article` the tags with these names (in addition to the ones it has), then flush.

    Reuse the Tag of a name that exists; create the ones that do not. Names may repeat and the
    article may already have some of them: no tag and no (article, tag) pair is ever stored twice.
    A bounded number of statements, whatever the number of names (no query per name).
    """
    # BEGIN SOLUTION
    wanted = list(dict.fromkeys(names))  # drop repeats, keep the order
    existing = {tag.name: tag for tag in session.scalars(select(Tag).where(Tag.name.in_(wanted)))}
    has = {tag.name for tag in article.tags}
    for name in wanted:
        if name not in has:
            article.tags.append(existing.get(name) or Tag(name=name))
            has.add(name)
    session.flush()
    # END SOLUTION


def untag_article(session: Session, article: Article, names: Iterable[str]) -> None:
    """Take the tags with these names off `article` (names it does not have are ignored), then flush.

    The tags themselves stay (other articles may use them): only the association rows go.
    """
    # BEGIN SOLUTION
    unwanted = set(names)
    for tag in [tag for tag in article.tags if tag.name in unwanted]:
        article.tags.remove(tag)  # the flush deletes the article_tags row, not the tag
    session.flush()
    # END SOLUTION


def articles_tagged(session: Session, name: str) -> list[str]:
    """Titles of the articles with the tag `name`, sorted; one statement."""
    # BEGIN SOLUTION
    return list(
        session.scalars(
            select(Article.title).join(Article.tags).where(Tag.name == name).order_by(Article.title)
        )
    )
    # END SOLUTION
