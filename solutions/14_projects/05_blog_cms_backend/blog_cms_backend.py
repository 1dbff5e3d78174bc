"""Kata 14.5 (project): the magazine's CMS — posts, categories, tags, comments, and full-text search
that works on SQLite (FTS5) and PostgreSQL (tsvector + GIN index) behind one function.

Given: the models, the names of the search structures and `search_document()`, the expression
PostgreSQL's index is built on. You write: create_search_index, fts5_query, search_posts and
post_summaries.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    String,
    Table,
    Text,
    column,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, selectinload
from sqlalchemy.sql.elements import ColumnElement


class Base(DeclarativeBase):
    pass


post_tags = Table(
    "post_tags",
    Base.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(default=False)  # drafts are never listed nor found
    category: Mapped[Category] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags, order_by=Tag.name)
    comments: Mapped[list[Comment]] = relationship(back_populates="post", cascade="all, delete-orphan")


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    post: Mapped[Post] = relationship(back_populates="comments")


FTS_TABLE = "posts_fts"  # SQLite: the FTS5 table indexing posts.title and posts.body
SEARCH_INDEX = "ix_posts_search"  # PostgreSQL: the GIN index on search_document()


def search_document() -> ColumnElement[str]:
    """PostgreSQL: the tsvector of a post, `to_tsvector('english', title || ' ' || body)`.

    The GIN index is built on exactly this expression, and a query uses the index only when it
    repeats the same expression (to_tsvector of the body alone, or another configuration, is
    another expression).
    """
    return func.to_tsvector(
        literal_column("'english'"), Post.title.concat(literal_column("' '", String)).concat(Post.body)
    )


# -- task 1: the search index ------------------------------------------------------------------------


def create_search_index(connection: Connection) -> None:
    """Create the full-text index for the connection's database, over the posts already there and
    kept up to date for posts inserted, updated and deleted afterwards.

    SQLite: an FTS5 table FTS_TABLE with columns title and body, external content from posts
    (content_rowid id), the porter tokenizer, filled from the existing posts, and triggers that keep
    it in step with posts. PostgreSQL: a GIN index SEARCH_INDEX on search_document().
    """
    # BEGIN SOLUTION
    if connection.dialect.name == "sqlite":
        # External content: the FTS table stores only its index; the text stays in posts.
        connection.exec_driver_sql(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
            "title, body, content='posts', content_rowid='id', tokenize='porter')"
        )
        connection.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
        # An external-content table is not told about changes: triggers tell it, and removing an
        # entry needs the OLD values (the special 'delete' command).
        connection.exec_driver_sql(
            f"CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN "
            f"INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body); END"
        )
        connection.exec_driver_sql(
            f"CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN "
            f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body) "
            f"VALUES ('delete', old.id, old.title, old.body); END"
        )
        connection.exec_driver_sql(
            f"CREATE TRIGGER posts_fts_update AFTER UPDATE ON posts BEGIN "
            f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body) "
            f"VALUES ('delete', old.id, old.title, old.body); "
            f"INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body); END"
        )
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            f"CREATE INDEX {SEARCH_INDEX} ON posts USING gin (to_tsvector('english', title || ' ' || body))"
        )
    else:
        raise NotImplementedError(f"no full-text search for {connection.dialect.name}")
    # END SOLUTION


# -- task 2: search --------------------------------------------------------------------------------------


def fts5_query(words: str) -> str:
    """SQLite: the FTS5 query for `words`: each word wrapped in double quotes, any double quote in it
    doubled. `green tea*` -> `"green" "tea*"`: green AND tea, with no operator anywhere."""
    # BEGIN SOLUTION
    return " ".join('"' + word.replace('"', '""') + '"' for word in words.split())
    # END SOLUTION


def search_posts(session: Session, words: str, limit: int = 10) -> list[int]:
    """The ids of the published posts containing every word of `words` (in title or body, stemmed:
    "brewing" finds "brewed"), best match first, ties newest first (higher id);
    at most `limit`. One SELECT.

    Whatever the user typed is text to look for, never query syntax: quotes, `*`, `-`, `NEAR`,
    `OR`, `title:` neither break the query nor change its meaning. Empty input finds nothing.
    SQLite: MATCH on FTS_TABLE ranked by bm25() (smaller is better). PostgreSQL:
    search_document() @@ plainto_tsquery('english', …) ranked by ts_rank() (bigger is better).
    """
    # BEGIN SOLUTION
    if not words.split():
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        fts = table(FTS_TABLE, column("rowid"))  # a lightweight table: enough to join and name it
        stmt = (
            select(Post.id)
            .join(fts, fts.c.rowid == Post.id)
            # "posts_fts MATCH ?": the whole FTS table (a column on the left would search that column only)
            .where(literal_column(FTS_TABLE).op("MATCH")(fts5_query(words)), Post.published)
            .order_by(func.bm25(literal_column(FTS_TABLE)), Post.id.desc())  # ties: newest first
        )
    else:
        query = func.plainto_tsquery(literal_column("'english'"), words)
        document = search_document()
        stmt = (
            select(Post.id)
            .where(document.op("@@")(query), Post.published)
            .order_by(func.ts_rank(document, query).desc(), Post.id.desc())
        )
    return list(session.scalars(stmt.limit(limit)))
    # END SOLUTION


# -- task 3: a category page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostSummary:
    title: str
    comment_count: int
    tags: list[str]


def post_summaries(session: Session, category: str) -> list[PostSummary]:
    """The published posts of the category (by name): title, number of comments (0 when none),
    tag names (sorted); ordered by title, ties by id. At most two SELECTs, however many posts:
    the comments are counted by the database, never loaded."""
    # BEGIN SOLUTION
    comment_count = (
        select(func.count(Comment.id)).where(Comment.post_id == Post.id).correlate(Post).scalar_subquery()
    )
    rows = session.execute(
        select(Post, comment_count)
        .join(Post.category)
        .where(Category.name == category, Post.published)
        .options(selectinload(Post.tags))
        .order_by(Post.title, Post.id)
    ).all()
    return [PostSummary(post.title, int(count), [tag.name for tag in post.tags]) for post, count in rows]
    # END SOLUTION
