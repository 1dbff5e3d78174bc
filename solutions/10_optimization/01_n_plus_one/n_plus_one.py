"""Kata 10.1: N+1 — count the statements a block of code sends, spot the N+1 pattern, then fix one.

The models are given: publishers, authors and their books. Every relationship loads lazily (the
default): one SELECT the first time an object's relationship is read.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, ForeignKey, String, event, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, selectinload


class Base(DeclarativeBase):
    pass


class Publisher(Base):
    __tablename__ = "publishers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))

    books: Mapped[list[Book]] = relationship(back_populates="publisher")


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))

    books: Mapped[list[Book]] = relationship(back_populates="author")


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id"))

    author: Mapped[Author] = relationship(back_populates="books")
    publisher: Mapped[Publisher] = relationship(back_populates="books")


# Transaction control is the isolation's (or the session's) business, not a query.
TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|END)\b", re.IGNORECASE)


class StatementCounter:
    """Counts the statements sent through one Engine or Connection while it is active:

        with StatementCounter(session.connection()) as counter:
            ...
        counter.count, counter.statements

    `statements` holds the SQL text of each statement, in order, as the driver received it (one
    entry per cursor execution: an executemany of 500 rows is ONE statement). Transaction control
    (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE SAVEPOINT) is not counted. Only statements sent
    between entering and leaving the `with` block are counted, only those of the Engine or
    Connection given, and the counter stops listening when the block ends (even on an error).
    """

    def __init__(self, bind: Engine | Connection) -> None:
        self.bind = bind
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        """How many statements were counted."""
        # BEGIN SOLUTION
        return len(self.statements)
        # END SOLUTION

    def __enter__(self) -> StatementCounter:
        # BEGIN SOLUTION
        # before_cursor_execute fires once per cursor call: an executemany too, once.
        event.listen(self.bind, "before_cursor_execute", self._record)
        return self
        # END SOLUTION

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # BEGIN SOLUTION
        event.remove(self.bind, "before_cursor_execute", self._record)
        # END SOLUTION

    def _record(
        self, conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        """The listener: keep `statement` unless it is transaction control (see TRANSACTION_CONTROL)."""
        # BEGIN SOLUTION
        if not TRANSACTION_CONTROL.match(statement):
            self.statements.append(statement)
        # END SOLUTION


def find_n_plus_one(statements: Sequence[str], threshold: int = 3) -> dict[str, int]:
    """The N+1 suspects among `statements` (SQL texts, as a StatementCounter records them).

    A suspect is a SELECT (the text starts with SELECT, in any case, after any leading
    whitespace) whose exact text was sent `threshold` or more times: the same query, run again
    and again with other parameters, one per row of an earlier result. Return {sql text: times
    sent} for the suspects only; other statements (INSERT, UPDATE, ...) are never suspects.
    """
    # BEGIN SOLUTION
    selects = Counter(sql for sql in statements if sql.lstrip().upper().startswith("SELECT"))
    return {sql: times for sql, times in selects.items() if times >= threshold}
    # END SOLUTION


def shelf_report(session: Session) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every author, as (author name, [(book title, publisher name), ...]).

    Authors by name, then by id (two authors may share a name); each author's books by title,
    then by book id; an author without books appears with an empty list.
    Budget: 3 statements, however many authors and books there are.
    """
    # BEGIN SOLUTION
    # One SELECT for the authors, one SELECT ... IN for all their books, one for the books'
    # publishers: three statements for any number of rows.
    authors = session.scalars(
        select(Author)
        .options(selectinload(Author.books).selectinload(Book.publisher))
        .order_by(Author.name, Author.id)
    )
    return [
        (
            author.name,
            [
                (book.title, book.publisher.name)
                for book in sorted(author.books, key=lambda book: (book.title, book.id))
            ],
        )
        for author in authors
    ]
    # END SOLUTION
    # BEGIN STUB
    # # TODO: this works, but reads author.books and book.publisher lazily: the N+1 the counter finds.
    # authors = session.scalars(select(Author).order_by(Author.name, Author.id))
    # return [
    #     (
    #         author.name,
    #         [
    #             (book.title, book.publisher.name)
    #             for book in sorted(author.books, key=lambda book: (book.title, book.id))
    #         ],
    #     )
    #     for author in authors
    # ]
    # END STUB
