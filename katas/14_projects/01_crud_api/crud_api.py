"""Kata 14.1 (project): the library's REST API over authors and books.

Given: the models, the response schemas and create_app().
You write: the session dependency, the input schemas' rules and the route handlers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    joinedload,
    mapped_column,
    relationship,
    sessionmaker,
)


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
    year: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author] = relationship(back_populates="books")


# -- schemas: what goes out (given) ------------------------------------------------------------------


class AuthorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str


class AuthorSummary(AuthorOut):
    book_count: int


class BookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    year: int
    author: AuthorOut


class BookPage(BaseModel):
    items: list[BookOut]
    total: int
    page: int
    size: int


# -- schemas: what comes in (task 1) -----------------------------------------------------------------

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Year = Annotated[int, Field(ge=1450, le=2100)]


class AuthorIn(BaseModel):
    """name: 1 to 100 characters once leading/trailing spaces are stripped. Unknown fields refused."""

    name: str  # TODO (task 1): the rules above (Name is defined for you)


class BookIn(BaseModel):
    """title: 1 to 200 characters, stripped; year: 1450 to 2100; author_id. Unknown fields refused."""

    title: str  # TODO (task 1): the rules above (Title, Year)
    year: int
    author_id: int


class BookPatch(BaseModel):
    """title and/or year, with BookIn's rules; a field sent as null is refused; nothing else may change."""

    title: str | None = None  # TODO (task 2): the rules above
    year: int | None = None


# -- the session per request ---------------------------------------------------------------------------


def get_session(request: Request) -> Iterator[Session]:
    """A new Session from request.app.state.session_factory for each request, closed after it."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


SessionDep = Annotated[Session, Depends(get_session)]
router = APIRouter()


def create_app(session_factory: sessionmaker[Session]) -> FastAPI:
    """The app; every request gets its session from session_factory."""
    app = FastAPI(title="Library")
    app.state.session_factory = session_factory
    app.include_router(router)
    return app


# -- task 1: create ---------------------------------------------------------------------------------


@router.post("/authors", status_code=201, response_model=AuthorOut)
def create_author(data: AuthorIn, session: SessionDep) -> Author:
    """201 with the new author; 409 {"detail": "author already exists"} for a taken name."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


@router.post("/books", status_code=201, response_model=BookOut)
def create_book(data: BookIn, session: SessionDep) -> Book:
    """201 with the new book and its author; 404 {"detail": "author not found"} for an unknown author_id."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# -- task 2: read, change, delete ---------------------------------------------------------------------


@router.get("/books/{book_id}", response_model=BookOut)
def read_book(book_id: int, session: SessionDep) -> Book:
    """200 with the book and its author; 404 {"detail": "book not found"}."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


@router.patch("/books/{book_id}", response_model=BookOut)
def update_book(book_id: int, data: BookPatch, session: SessionDep) -> Book:
    """200 with the book, only the fields sent changed; 404 {"detail": "book not found"}."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


@router.delete("/books/{book_id}", status_code=204)
def delete_book(book_id: int, session: SessionDep) -> Response:
    """204 with no body; 404 {"detail": "book not found"}."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


@router.delete("/authors/{author_id}", status_code=204)
def delete_author(author_id: int, session: SessionDep) -> Response:
    """204; 404 {"detail": "author not found"}; 409 {"detail": "author has books"} (nothing deleted)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# -- task 3 and 4: lists --------------------------------------------------------------------------------


@router.get("/books", response_model=BookPage)
def list_books(
    session: SessionDep,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=50)] = 10,
    author_id: int | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    q: str | None = None,
) -> dict[str, Any]:
    """Page `page` (1 = first) of `size` books (1 to 50, else 422), sorted by title, then year, then id;
    filtered by author_id, year_from / year_to (both included) and q (the title contains q, any case,
    taken literally: '%' and '_' are not wildcards); `total` counts every book that matches.
    At most 3 statements, however many books and authors the page shows."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


@router.get("/authors", response_model=list[AuthorSummary])
def list_authors(session: SessionDep) -> list[dict[str, Any]]:
    """Every author with book_count (0 for none), sorted by name; at most 2 statements."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
