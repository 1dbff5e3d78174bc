"""Kata 14.8 (project): the notes service, ready for production — migrations, an async API, pool
settings from configuration, JSON access logs without secrets, health checks, and a database that
may go away and come back.

Given: Settings, the Note model, the Alembic environment (notes_service_migrations/) with its first
revision, alembic_config(), the API's schemas. You write: the second revision, migrate, make_engine,
create_app (lifespan, routes, error handling), the access log middleware and /health.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Connection, String, Text, false, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

MIGRATIONS = Path(__file__).parent / "notes_service_migrations"
access_log = logging.getLogger("notes.access")
log = logging.getLogger("notes.app")


@dataclass(frozen=True)
class Settings:
    """The service's configuration (in production: read from the environment)."""

    database_url: str  # async driver: sqlite+aiosqlite://… or postgresql+asyncpg://…
    app_name: str = "notes-service"
    pool_size: int = 5
    max_overflow: int = 5
    pool_timeout: float = 5.0  # seconds to wait for a free connection
    pool_recycle: int = 1800  # seconds after which a pooled connection is replaced
    health_timeout: float = 3.0  # seconds /health waits for the database


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    archived: Mapped[bool] = mapped_column(default=False, server_default=false())


class NoteIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    body: str


class NoteOut(BaseModel):
    id: int
    title: str
    body: str
    archived: bool


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's Config for notes_service_migrations; with a connection, env.py migrates on it."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


# -- task 1: migrations ------------------------------------------------------------------------------


def migrate(connection: Connection, revision: str = "head") -> None:
    """Upgrade the database on `connection` to `revision` with the notes_service_migrations scripts
    (a deploy step, run before the new version of the app starts; never from the app itself)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# -- task 2: the engine -------------------------------------------------------------------------------


def make_engine(settings: Settings) -> AsyncEngine:
    """The app's AsyncEngine: pool size, overflow, timeout and recycle from the settings; every
    connection checked before use (pre-ping); bound parameters never written into logs or error
    messages; on PostgreSQL, connections named settings.app_name (application_name)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# -- tasks 3-5: the app ---------------------------------------------------------------------------------

# TODO (tasks 4-5): the access log middleware and the handler that turns database errors into 503.


def create_app(settings: Settings) -> FastAPI:
    """The app factory.

    - lifespan: make_engine(settings) and an async_sessionmaker (expire_on_commit=False) for the
      app's life; the engine disposed of at shutdown. It does not connect nor migrate at start-up.
    - POST /notes (NoteIn) -> 201 NoteOut; GET /notes/{id} -> 200 NoteOut, 404 if there is none.
    - every response carries X-Request-ID, and one JSON line is logged per request on "notes.access".
    - GET /health -> 200 {"status": "ok", "database": "ok"} when SELECT 1 answers within
      settings.health_timeout, else 503 {"status": "unavailable", "database": "down"}; never raises.
    - a database that cannot be reached makes any endpoint answer 503 {"detail": "database unavailable"}.
    """

    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
