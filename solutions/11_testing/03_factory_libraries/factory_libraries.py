"""Kata 11.3: factory_boy factories for a publisher's catalogue, bound to the test's session.

The models are given; you write the factories below and `bind_factories()`. A test calls
`bind_factories(session)` first, then `BookFactory()` and friends create their rows in that
session: added and FLUSHED (each object has its id), never committed.
"""

# factory_boy is only partly typed: its declarations are untyped calls, not re-exported by name.
# mypy: disable-error-code="no-untyped-call, attr-defined"

from __future__ import annotations

import datetime as dt

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Publisher(Base):
    __tablename__ = "publishers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    books: Mapped[list[Book]] = relationship(back_populates="publisher")


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(200), unique=True)
    books: Mapped[list[Book]] = relationship(back_populates="author")


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    isbn: Mapped[str] = mapped_column(String(13), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id"))
    in_print: Mapped[bool] = mapped_column(default=True)
    withdrawn_on: Mapped[dt.date | None]
    copies_sold: Mapped[int] = mapped_column(default=0)
    author: Mapped[Author] = relationship(back_populates="books")
    publisher: Mapped[Publisher] = relationship(back_populates="books")


# BEGIN SOLUTION
_bound: list[Session] = []


def _session() -> Session:
    """The session the factories create in: looked up at every create, so a rebinding is seen."""
    if not _bound:
        raise RuntimeError("call bind_factories(session) before using the factories")
    return _bound[-1]


# END SOLUTION
# BEGIN STUB
# # Your helpers here, if you need any.
# END STUB


def bind_factories(session: Session) -> None:
    """Make every factory of this module create its objects in `session` from now on."""
    # BEGIN SOLUTION
    _bound[:] = [session]
    # END SOLUTION


class PublisherFactory(SQLAlchemyModelFactory):
    """Task 5. A Publisher named "Northwind Press" unless told otherwise. Get-or-create on the name:
    asking twice for the same name gives the same row (one SELECT looks first)."""

    # BEGIN SOLUTION
    class Meta:
        model = Publisher
        sqlalchemy_session_factory = _session
        sqlalchemy_session_persistence = "flush"
        sqlalchemy_get_or_create = ("name",)

    name = "Northwind Press"
    # END SOLUTION
    # BEGIN STUB
    # # TODO: Meta (model, session factory, persistence, get-or-create) and `name`
    # END STUB


class AuthorFactory(SQLAlchemyModelFactory):
    """Task 1. An Author: `name` "Author 1", "Author 2", ... (a sequence) and an `email` made from
    the name ("author.1@example.com"), so that any number of authors can be made."""

    # BEGIN SOLUTION
    class Meta:
        model = Author
        sqlalchemy_session_factory = _session
        sqlalchemy_session_persistence = "flush"

    name = factory.Sequence(lambda n: f"Author {n + 1}")
    email = factory.LazyAttribute(lambda author: f"{author.name.lower().replace(' ', '.')}@example.com")
    # END SOLUTION
    # BEGIN STUB
    # # TODO: Meta (model, session factory, persistence), `name` and `email`
    # END STUB


class BookFactory(SQLAlchemyModelFactory):
    """Tasks 2 and 4. A Book: a unique 13-digit `isbn` (a sequence), a `title` (Faker's sentence is
    fine), a new `author` (a SubFactory), the default `publisher`. Two traits:
    `out_of_print=True` gives in_print False and withdrawn_on 2020-01-31;
    `bestseller=True` gives copies_sold 250000."""

    # BEGIN SOLUTION
    class Meta:
        model = Book
        sqlalchemy_session_factory = _session
        sqlalchemy_session_persistence = "flush"

    isbn = factory.Sequence(lambda n: f"978{n:010d}")
    title = factory.Faker("sentence", nb_words=3)
    author = factory.SubFactory(AuthorFactory)
    publisher = factory.SubFactory(PublisherFactory)

    class Params:
        out_of_print = factory.Trait(in_print=False, withdrawn_on=dt.date(2020, 1, 31))
        bestseller = factory.Trait(copies_sold=250_000)

    # END SOLUTION
    # BEGIN STUB
    # # TODO: Meta, `isbn`, `title`, `author`, `publisher`, and the two traits (class Params)
    # END STUB


class AuthorWithBooksFactory(AuthorFactory):
    """Task 3. An Author made with 3 books of their own: the books' author is this author, not a new
    one each. `AuthorWithBooksFactory(books__title="Earthsea")` passes the title on to every book."""

    # BEGIN SOLUTION
    books = factory.RelatedFactoryList(BookFactory, factory_related_name="author", size=3)
    # END SOLUTION
    # BEGIN STUB
    # # TODO: `books`
    # END STUB
