"""Kata 7.6: FastAPI with an AsyncSession per request, and an engine owned by the app's lifespan.

The model, the response schemas, the app factory and the routes' signatures are given. You write
the lifespan, the session dependency, the input schema's rules and the three handlers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import String, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text, default="")


# -- schemas ------------------------------------------------------------------------------------


class NoteIn(BaseModel):
    """What a client sends to create a note: a title of 1 to 100 characters, a body of at most
    2,000 characters (empty when left out)."""

    title: str  # TODO (task 2): 1 to 100 characters
    body: str = ""  # TODO (task 2): at most 2,000 characters


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # built from a Note object's attributes

    id: int
    title: str
    body: str


class NotePage(BaseModel):
    items: list[NoteOut]
    total: int  # how many notes there are in all
    page: int
    size: int


# -- the engine and the sessions -------------------------------------------------------------


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At startup, create ONE AsyncEngine on `app.state.database_url` and a sessionmaker on it
    (keep them on `app.state`); at shutdown, dispose of the engine.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
    yield
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The dependency: yield a new AsyncSession for this request, and close it after the response."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


SessionDep = Annotated[AsyncSession, Depends(get_session)]
router = APIRouter()


# -- the routes -----------------------------------------------------------------------------------


@router.post("/notes", status_code=201, response_model=NoteOut)
async def create_note(data: NoteIn, session: SessionDep) -> Note:
    """Create the note, commit, and return it (its id assigned)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


@router.get("/notes/{note_id}", response_model=NoteOut)
async def read_note(note_id: int, session: SessionDep) -> Note:
    """Return the note, or answer 404 with the detail "note not found"."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


@router.get("/notes", response_model=NotePage)
async def list_notes(
    session: SessionDep,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=50)] = 10,
) -> NotePage:
    """Return page `page` (1 is the first) of the notes by id, `size` to a page, with the total
    number of notes: two SELECTs, one count and one page (LIMIT/OFFSET).
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def create_app(database_url: str) -> FastAPI:
    """The app factory: the engine is made by the lifespan, from this async URL."""
    app = FastAPI(title="Notes", lifespan=lifespan)
    app.state.database_url = database_url
    app.include_router(router)
    return app
