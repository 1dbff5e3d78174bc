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
    # BEGIN SOLUTION
    command.upgrade(alembic_config(connection), revision)
    # END SOLUTION


# -- task 2: the engine -------------------------------------------------------------------------------


def make_engine(settings: Settings) -> AsyncEngine:
    """The app's AsyncEngine: pool size, overflow, timeout and recycle from the settings; every
    connection checked before use (pre-ping); bound parameters never written into logs or error
    messages; on PostgreSQL, connections named settings.app_name (application_name)."""
    # BEGIN SOLUTION
    connect_args: dict[str, Any] = {}
    if make_url(settings.database_url).get_backend_name() == "postgresql":
        # asyncpg: server settings sent at connect; pg_stat_activity shows who holds each connection.
        connect_args["server_settings"] = {"application_name": settings.app_name}
    return create_async_engine(
        settings.database_url,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        pool_timeout=settings.pool_timeout,
        pool_recycle=settings.pool_recycle,
        pool_pre_ping=True,  # a connection the server closed is replaced before the request uses it
        hide_parameters=True,  # user data (note bodies, emails) stays out of logs and exceptions
        connect_args=connect_args,
    )
    # END SOLUTION


# -- tasks 3-5: the app ---------------------------------------------------------------------------------

# BEGIN SOLUTION
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


async def _log_request(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Task 4: a request id per request, echoed in X-Request-ID, and one JSON access line."""
    offered = request.headers.get("x-request-id", "")
    # Only a sane id is reused: a client's header must not be able to forge log lines.
    request_id = offered if _REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
    started = time.perf_counter()
    response = await call_next(request)
    response.headers["X-Request-ID"] = request_id
    access_log.info(
        json.dumps(
            {
                "request_id": request_id,
                "method": request.method,
                "path": request.url.path,  # the path only: query strings carry tokens
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            }
        )
    )
    return response


async def _database_unavailable(request: Request, error: Exception) -> JSONResponse:
    """Task 5: a database that cannot be reached is a 503 (try again later), not a 500."""
    # The class name only: the message of a connection error may name the host, user or database.
    log.warning("database unavailable: %s", type(error).__name__)
    return JSONResponse({"detail": "database unavailable"}, status_code=503)


# END SOLUTION
# BEGIN STUB
# # TODO (tasks 4-5): the access log middleware and the handler that turns database errors into 503.
# END STUB


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

    # BEGIN SOLUTION
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings)
        app.state.engine = engine
        app.state.sessions = async_sessionmaker(engine, expire_on_commit=False)
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(title="Notes", lifespan=lifespan)
    app.middleware("http")(_log_request)
    app.add_exception_handler(DBAPIError, _database_unavailable)
    app.add_exception_handler(OSError, _database_unavailable)  # asyncpg: connection refused

    @app.post("/notes", status_code=201)
    async def create_note(note: NoteIn, request: Request) -> NoteOut:
        async with request.app.state.sessions.begin() as session:
            row = Note(title=note.title, body=note.body)
            session.add(row)
            await session.flush()
            await session.refresh(row)
            return NoteOut(id=row.id, title=row.title, body=row.body, archived=row.archived)

    @app.get("/notes/{note_id}")
    async def read_note(note_id: int, request: Request) -> NoteOut:
        async with request.app.state.sessions() as session:
            row = await session.get(Note, note_id)
            if row is None:
                raise HTTPException(status_code=404, detail="note not found")
            return NoteOut(id=row.id, title=row.title, body=row.body, archived=row.archived)

    @app.get("/health")
    async def health(request: Request) -> JSONResponse:
        engine: AsyncEngine = request.app.state.engine

        async def ping() -> None:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))

        try:
            await asyncio.wait_for(ping(), timeout=settings.health_timeout)
        except Exception as error:  # noqa: BLE001 - a health check reports, it never raises
            log.warning("health check failed: %s", type(error).__name__)
            return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    return app
    # END SOLUTION
