"""Kata 13.1: FastAPI with a Session per request, response models, and errors mapped to status codes.

The models, the response schemas, the app factory and the routes' signatures are given. You write
the lifespan, the session dependency, the input schema's rules and the handlers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import ForeignKey, String, create_engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    books: Mapped[list[Book]] = relationship(back_populates="author")


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    isbn: Mapped[str] = mapped_column(String(13), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author] = relationship(back_populates="books")


# -- schemas ------------------------------------------------------------------------------------


class BookIn(BaseModel):
    """What a client sends to add a book. Leading and trailing spaces are stripped from `title` and
    `author` first; then the title must have 1 to 200 characters, the author's name 1 to 100, and
    the isbn exactly 13 digits."""

    title: str  # TODO (task 2): stripped, then 1 to 200 characters
    isbn: str  # TODO (task 2): exactly 13 digits
    author: str  # TODO (task 2): stripped, then 1 to 100 characters


class AuthorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # built from an Author object's attributes

    id: int
    name: str


class BookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    isbn: str
    author: AuthorOut  # nested: read from book.author


# -- the engine and the sessions -------------------------------------------------------------


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At startup, create ONE Engine on `app.state.database_url` and a sessionmaker bound to it
    (keep the sessionmaker on `app.state.sessions`); at shutdown, dispose of the engine.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
    yield
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def get_session(request: Request) -> Iterator[Session]:
    """The dependency: yield a new Session for this request; close it when the request is done
    (closing rolls back whatever was not committed)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


SessionDep = Annotated[Session, Depends(get_session)]
router = APIRouter()


# -- the routes -----------------------------------------------------------------------------------


@router.post("/books", status_code=201, response_model=BookOut)
def create_book(data: BookIn, session: SessionDep) -> Book:
    """Add the book, under the author of that name (created if there is none yet), commit, and
    return it. An isbn already taken answers 409 with the detail "isbn already exists", and nothing
    of this request is stored (not even a new author)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def get_book_or_404(session: Session, book_id: int) -> Book:
    """The book with this id, or HTTPException 404 with the detail "book not found"."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


@router.get("/books/{book_id}", response_model=BookOut)
def read_book(book_id: int, session: SessionDep) -> Book:
    """Return the book (with its author), or answer 404 "book not found"."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


@router.delete("/books/{book_id}", status_code=204)
def delete_book(book_id: int, session: SessionDep) -> Response:
    """Delete the book and commit (answer 204, no body), or answer 404 "book not found"."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def create_app(database_url: str) -> FastAPI:
    """The app factory: the engine is made by the lifespan, from this URL."""
    app = FastAPI(title="Library", lifespan=lifespan)
    app.state.database_url = database_url
    app.include_router(router)
    return app
