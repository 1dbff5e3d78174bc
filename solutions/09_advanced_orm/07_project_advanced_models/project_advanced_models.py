"""Kata 9.7 (project): a publishing model — inheritance, validation and events working together.

A small newsroom publishes articles and videos. Both are "content": a title, a slug for the URL,
a status, an author, a publication date. Articles add a body (and a word count kept up to date);
videos add an https URL and a duration. Every change of a title or a body is kept as a revision.

The columns are given. You add: the joined-table inheritance mapping (task 1), the validators
(task 2), the listeners in install_events() (task 3), and slugify() and published_feed() (task 4).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, DateTime, ForeignKey, String, Text, event, insert, inspect, select
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Mapper,
    Session,
    mapped_column,
    validates,
    with_polymorphic,
)

STATUSES = ("draft", "published", "archived")
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def slugify(title: str) -> str:
    """'  SQLAlchemy 2.0: What's New? ' -> 'sqlalchemy-2-0-what-s-new': lower-case, every run of
    characters other than a-z and 0-9 becomes one '-', no '-' at either end."""
    # BEGIN SOLUTION
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    # END SOLUTION


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class Base(DeclarativeBase):
    pass


class Content(Base):
    """Table `contents`; discriminator column `type`: 'content' here, 'article', 'video' below."""

    __tablename__ = "contents"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    author: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))

    # BEGIN SOLUTION
    __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "content"}
    # END SOLUTION
    # BEGIN STUB
    # # TODO: task 1, the discriminator and this class's identity
    # END STUB

    @validates("title")
    def _validate_title(self, key: str, value: str) -> str:
        """Stripped; an empty title -> ValueError naming 'title'."""
        # BEGIN SOLUTION
        title = value.strip()
        if not title:
            raise ValueError(f"title must not be empty, got {value!r}")
        return title
        # END SOLUTION
        # BEGIN STUB
        # return value  # TODO: task 2
        # END STUB

    @validates("slug")
    def _validate_slug(self, key: str, value: str) -> str:
        """Lower-cased; must then be words of a-z/0-9 joined by single '-' ('hello-world-2'), else
        ValueError naming 'slug' and the value."""
        # BEGIN SOLUTION
        slug = value.lower()
        if not SLUG.fullmatch(slug):
            raise ValueError(f"slug must be lower-case words joined by '-', got {value!r}")
        return slug
        # END SOLUTION
        # BEGIN STUB
        # return value  # TODO: task 2
        # END STUB

    @validates("status")
    def _validate_status(self, key: str, value: str) -> str:
        """One of STATUSES, else ValueError naming 'status'. An archived content cannot become
        'published' directly (it goes back to 'draft' first): ValueError naming 'status'."""
        # BEGIN SOLUTION
        if value not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {value!r}")
        # self.status is still the old value while the validator runs.
        if self.status == "archived" and value == "published":
            raise ValueError("status: archived content must go back to 'draft' before it is published again")
        return value
        # END SOLUTION
        # BEGIN STUB
        # return value  # TODO: task 2
        # END STUB


class Article(Content):
    """Type 'article'; table `articles`: body, and word_count (kept equal to the body's number of
    words, split on whitespace, by events: task 3)."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(ForeignKey("contents.id"), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(default=0)

    # BEGIN SOLUTION
    __mapper_args__ = {"polymorphic_identity": "article"}
    # END SOLUTION
    # BEGIN STUB
    # # TODO: task 1
    # END STUB


class Video(Content):
    """Type 'video'; table `videos`: url (must start with 'https://') and duration_seconds (1 to 86400)."""

    __tablename__ = "videos"

    id: Mapped[int] = mapped_column(ForeignKey("contents.id"), primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    duration_seconds: Mapped[int]

    # BEGIN SOLUTION
    __mapper_args__ = {"polymorphic_identity": "video"}
    # END SOLUTION
    # BEGIN STUB
    # # TODO: task 1
    # END STUB

    @validates("url", "duration_seconds")
    def _validate_video(self, key: str, value: Any) -> Any:
        """url must start with 'https://'; duration_seconds must be an int from 1 to 86400 (not a
        bool). Else ValueError naming the field."""
        # BEGIN SOLUTION
        if key == "url":
            if not isinstance(value, str) or not value.startswith("https://"):
                raise ValueError(f"url must start with https://, got {value!r}")
            return value
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 86400:
            raise ValueError(f"duration_seconds must be a whole number from 1 to 86400, got {value!r}")
        return value
        # END SOLUTION
        # BEGIN STUB
        # return value  # TODO: task 2
        # END STUB


class Revision(Base):
    """One change of a title or a body: written by an after_update listener (task 3)."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_id: Mapped[int] = mapped_column(ForeignKey("contents.id"))
    field: Mapped[str] = mapped_column(String(20))  # 'title' or 'body'
    old_value: Mapped[str] = mapped_column(Text)
    new_value: Mapped[str] = mapped_column(Text)


# BEGIN SOLUTION
def _fill_slug(mapper: Mapper[Any], connection: Connection, target: Content) -> None:
    if not target.slug:
        target.slug = slugify(target.title)  # goes through the slug validator too


def _count_words(mapper: Mapper[Any], connection: Connection, target: Article) -> None:
    target.word_count = len((target.body or "").split())


def _record_revisions(mapper: Mapper[Any], connection: Connection, target: Content) -> None:
    state = inspect(target)
    for field in ("title", "body"):
        if field not in state.attrs:
            continue  # a Video has no body
        history = state.attrs[field].history
        if history.added and history.deleted and history.added[0] != history.deleted[0]:
            connection.execute(
                insert(Revision).values(
                    content_id=target.id, field=field, old_value=history.deleted[0], new_value=history.added[0]
                )
            )


def _stamp_published(target: Content, value: str, oldvalue: Any, initiator: Any) -> None:
    if value == "published" and target.published_at is None:
        target.published_at = utc_now()
# END SOLUTION
# BEGIN STUB
# # TODO: your listener functions (task 3)
# END STUB


def install_events() -> None:
    """Register the listeners (the tests call this first; they remove them after each test):

    - before inserting any content (articles and videos too): an empty slug becomes slugify(title);
    - before inserting or updating an Article: word_count = the number of words of its body;
    - after updating any content: one Revision row (with the flush's connection) for each of
      title and body whose value really changed, with the old and the new value;
    - when any content's status is set to 'published' and it has no published_at yet:
      published_at = now (UTC), at the assignment. A later re-publication keeps the first date.
    """
    # BEGIN SOLUTION
    # propagate=True: a listener on Content also fires for Article and Video objects.
    event.listen(Content, "before_insert", _fill_slug, propagate=True)
    event.listen(Article, "before_insert", _count_words)
    event.listen(Article, "before_update", _count_words)
    event.listen(Content, "after_update", _record_revisions, propagate=True)
    event.listen(Content.status, "set", _stamp_published, propagate=True)
    # END SOLUTION


def published_feed(session: Session, limit: int = 10) -> Sequence[Content]:
    """The `limit` most recently published contents (status 'published'), newest published_at
    first, as Article and Video objects with their own columns loaded: ONE SELECT, and reading
    body or url afterwards sends nothing."""
    # BEGIN SOLUTION
    content = with_polymorphic(Content, [Article, Video])
    statement = (
        select(content)
        .where(content.status == "published")
        .order_by(content.published_at.desc(), content.id.desc())
        .limit(limit)
    )
    return session.scalars(statement).all()
    # END SOLUTION
