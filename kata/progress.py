"""The learner's progress: test results, hints shown and practice attempts, in a small SQLite database.

Managed through SQLAlchemy itself. It lives in the user's data directory
(`platformdirs.user_data_dir("sqlalchemy-katas")`, or $KATA_HOME), outside the pack, so a fresh
clone or `kata reset` keeps it.

Safe under Ctrl-C and concurrent invocations: every event is committed in its own short
transaction; the database is in WAL mode (readers never wait for a writer) and every
transaction is `BEGIN IMMEDIATE` with a busy timeout, so two `kata` commands writing at once
queue up instead of failing or corrupting anything.

Schema versions: `PRAGMA user_version` holds the schema's version; `open` creates the tables
(version 0, an empty file) or applies the steps of MIGRATIONS in order, inside the same
immediate transaction, so two processes opening an old database upgrade it once. Alembic
would need a migration environment shipped inside the package and its own version table for
three small tables in a per-user file; a numbered list of DDL steps is all this needs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Connection, Engine, ForeignKey, String, create_engine, event, func, select, update
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from kata.errors import KataError

HOME_ENV = "KATA_HOME"
APP_NAME = "sqlalchemy-katas"
SCHEMA_VERSION = 1
# Version n -> n+1; each step gets the connection inside the upgrade's transaction.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {}

SOLVED = "solved"
ABANDONED = "abandoned"  # also what an attempt is while it runs: a killed session stays abandoned
OUT_OF_TIME = "out of time"


def data_dir() -> Path:
    """Where the learner's data lives: $KATA_HOME, else the platform's user data directory."""
    folder = Path(os.environ.get(HOME_ENV) or platformdirs.user_data_dir(APP_NAME))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class TestRun(Base):
    """One run of a kata's tests against the learner's files in katas/."""

    __tablename__ = "test_runs"
    __test__ = False  # not a pytest test class

    id: Mapped[int] = mapped_column(primary_key=True)
    kata_id: Mapped[str] = mapped_column(String(16), index=True)
    at: Mapped[datetime] = mapped_column(default=now)
    passed: Mapped[int]
    failed: Mapped[int]
    green: Mapped[bool]
    fingerprint: Mapped[str] = mapped_column(String(64))  # of the learner's files when they ran
    database: Mapped[str] = mapped_column(String(32))


class Hints(Base):
    """How many of a kata's hints the learner has asked for."""

    __tablename__ = "hints"

    kata_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    shown: Mapped[int] = mapped_column(default=0)


class PracticeAttempt(Base):
    """One timed practice session on a fresh copy of a kata's stub."""

    __tablename__ = "practice_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kata_id: Mapped[str] = mapped_column(String(16), index=True)
    started_at: Mapped[datetime] = mapped_column(default=now)
    minutes: Mapped[int]  # the time allowed
    outcome: Mapped[str] = mapped_column(String(16), default=ABANDONED)
    seconds: Mapped[float | None]  # time to green, when solved
    runs: Mapped[int] = mapped_column(default=0)  # test runs during the attempt
    finished_at: Mapped[datetime | None]


class PracticeRun(Base):
    """A test run inside a practice attempt (how many reds before green)."""

    __tablename__ = "practice_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("practice_attempts.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=now)
    passed: Mapped[int]
    failed: Mapped[int]


@dataclass(frozen=True)
class KataStats:
    """What practice and testing say about one kata, for choosing the weakest."""

    kata_id: str
    attempts: int
    solved: int
    best_seconds: float | None
    red_runs: int


class Progress:
    """The progress database; every method is one short transaction."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or data_dir() / "progress.db"
        self.engine = _engine(self.path)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._migrate()

    def _migrate(self) -> None:
        with self.engine.begin() as connection:
            version = int(connection.exec_driver_sql("PRAGMA user_version").scalar_one())
            if version > SCHEMA_VERSION:
                raise KataError(
                    f"{self.path} was written by a newer version of the pack (schema {version}, this one "
                    f"knows {SCHEMA_VERSION}): update the pack, or point $KATA_HOME elsewhere."
                )
            if version == 0:
                Base.metadata.create_all(connection)
            else:
                for step in range(version, SCHEMA_VERSION):
                    MIGRATIONS[step](connection)
            if version != SCHEMA_VERSION:
                connection.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self.engine.dispose()

    # --- test runs ---------------------------------------------------------------------------
    def record_run(self, kata_id: str, *, passed: int, failed: int, green: bool, fingerprint: str, database: str) -> None:
        with self.sessions.begin() as session:
            session.add(
                TestRun(kata_id=kata_id, passed=passed, failed=failed, green=green, fingerprint=fingerprint, database=database)
            )

    def last_runs(self) -> dict[str, TestRun]:
        """The latest run of each kata."""
        latest = select(TestRun.kata_id, func.max(TestRun.id).label("id")).group_by(TestRun.kata_id).subquery()
        with self.sessions() as session:
            runs = session.scalars(select(TestRun).join(latest, TestRun.id == latest.c.id))
            return {run.kata_id: run for run in runs}

    def ever_green(self) -> set[str]:
        with self.sessions() as session:
            return set(session.scalars(select(TestRun.kata_id).where(TestRun.green).distinct()))

    def first_solved(self) -> dict[str, datetime]:
        """When each kata first passed: kept when its files are reset or broken again."""
        with self.sessions() as session:
            rows = session.execute(select(TestRun.kata_id, func.min(TestRun.at)).where(TestRun.green).group_by(TestRun.kata_id))
            return {kata_id: at for kata_id, at in rows}

    # --- hints -------------------------------------------------------------------------------
    def take_hint(self, kata_id: str, available: int) -> int:
        """Count one more hint shown (up to `available`); return its number, or 0 when none is left."""
        with self.sessions.begin() as session:
            session.execute(insert(Hints).values(kata_id=kata_id, shown=0).on_conflict_do_nothing())
            taken = session.execute(
                update(Hints)
                .where(Hints.kata_id == kata_id, Hints.shown < available)
                .values(shown=Hints.shown + 1)
                .returning(Hints.shown)
            ).scalar_one_or_none()
            return int(taken or 0)

    def hints_shown(self) -> dict[str, int]:
        with self.sessions() as session:
            return {h.kata_id: h.shown for h in session.scalars(select(Hints))}

    # --- practice ----------------------------------------------------------------------------
    def start_attempt(self, kata_id: str, minutes: int) -> PracticeAttempt:
        """A new attempt; an earlier one on the same kata still open ends here, abandoned."""
        with self.sessions.begin() as session:
            session.execute(
                update(PracticeAttempt)
                .where(PracticeAttempt.kata_id == kata_id, PracticeAttempt.finished_at.is_(None))
                .values(outcome=ABANDONED, finished_at=now())
            )
            attempt = PracticeAttempt(kata_id=kata_id, minutes=minutes)
            session.add(attempt)
            session.flush()
            return attempt

    def open_attempt(self, kata_id: str) -> PracticeAttempt | None:
        """The latest attempt on a kata if it is not finished (solved or out of time) yet."""
        with self.sessions() as session:
            attempt = session.scalars(
                select(PracticeAttempt).where(PracticeAttempt.kata_id == kata_id).order_by(PracticeAttempt.id.desc()).limit(1)
            ).first()
            return attempt if attempt is not None and attempt.finished_at is None else None

    def record_practice_run(self, attempt_id: int, *, passed: int, failed: int) -> None:
        with self.sessions.begin() as session:
            session.add(PracticeRun(attempt_id=attempt_id, passed=passed, failed=failed))
            session.execute(
                update(PracticeAttempt).where(PracticeAttempt.id == attempt_id).values(runs=PracticeAttempt.runs + 1)
            )

    def finish_attempt(self, attempt_id: int, outcome: str, seconds: float | None = None) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(PracticeAttempt)
                .where(PracticeAttempt.id == attempt_id)
                .values(outcome=outcome, seconds=seconds, finished_at=now())
            )

    def attempts(self, kata_id: str | None = None, limit: int | None = None) -> list[PracticeAttempt]:
        """Practice attempts, newest first."""
        query = select(PracticeAttempt).order_by(PracticeAttempt.id.desc()).limit(limit)
        if kata_id is not None:
            query = query.where(PracticeAttempt.kata_id == kata_id)
        with self.sessions() as session:
            return list(session.scalars(query))

    def personal_bests(self) -> dict[str, float]:
        with self.sessions() as session:
            rows = session.execute(
                select(PracticeAttempt.kata_id, func.min(PracticeAttempt.seconds))
                .where(PracticeAttempt.outcome == SOLVED)
                .group_by(PracticeAttempt.kata_id)
            )
            return {kata_id: float(best) for kata_id, best in rows if best is not None}

    def stats(self) -> list[KataStats]:
        """Per kata with any history: attempts, solved attempts, best time, red test runs."""
        with self.sessions() as session:
            practice = {
                kata_id: (attempts, solved, best)
                for kata_id, attempts, solved, best in session.execute(
                    select(
                        PracticeAttempt.kata_id,
                        func.count(),
                        func.count().filter(PracticeAttempt.outcome == SOLVED),
                        func.min(PracticeAttempt.seconds),
                    ).group_by(PracticeAttempt.kata_id)
                )
            }
            reds = {
                kata_id: int(count)
                for kata_id, count in session.execute(
                    select(TestRun.kata_id, func.count()).where(TestRun.green.is_(False)).group_by(TestRun.kata_id)
                )
            }
        return [
            KataStats(
                kata_id,
                attempts=practice.get(kata_id, (0, 0, None))[0],
                solved=practice.get(kata_id, (0, 0, None))[1],
                best_seconds=practice.get(kata_id, (0, 0, None))[2],
                red_runs=int(reds.get(kata_id, 0)),
            )
            for kata_id in sorted(set(practice) | set(reds))
        ]


def _engine(path: Path) -> Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 15000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # IMMEDIATE takes the write lock up front: two writers queue on busy_timeout instead of
        # one failing with "database is locked" when it upgrades a read lock.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine

