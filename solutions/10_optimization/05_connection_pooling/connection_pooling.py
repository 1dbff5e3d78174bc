"""Kata 10.5: connection pooling — pool settings and classes for each kind of program, and pool events.

Opening a database connection costs a network round trip, authentication and (PostgreSQL) a new
server process: milliseconds each time. A pool keeps connections open and hands them out again.
How many, for how long, and whether to pool at all depends on the program.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool, QueuePool, StaticPool


def web_engine(
    url: str, *, pool_size: int, max_overflow: int, pool_timeout: float, pool_recycle: int
) -> Engine:
    """An Engine on `url` for a long-running web app: a QueuePool that keeps `pool_size` connections,
    opens up to `max_overflow` more under load (closed again when given back), makes a caller wait
    at most `pool_timeout` seconds for a free connection, replaces connections older than
    `pool_recycle` seconds, and tests each connection before handing it out (pre-ping), so that
    one the server closed meanwhile is replaced instead of failing the request.
    """
    # BEGIN SOLUTION
    return create_engine(
        url,
        poolclass=QueuePool,  # the default for PostgreSQL and file SQLite; named for clarity
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        pool_recycle=pool_recycle,
        pool_pre_ping=True,  # a cheap "SELECT 1"-like ping at checkout; a dead connection is replaced
    )
    # END SOLUTION


def script_engine(url: str) -> Engine:
    """An Engine on `url` for a short script or a serverless function: no pooling at all. Every
    checkout opens a new database connection and every checkin closes it, so nothing stays open
    when the script is idle (and an outside pooler such as PgBouncer can do the pooling).
    """
    # BEGIN SOLUTION
    return create_engine(url, poolclass=NullPool)
    # END SOLUTION


def shared_memory_engine() -> Engine:
    """An Engine on an in-memory SQLite database that every thread shares: ONE connection, used by
    everyone (each new connection to `sqlite://` would be a new, empty database).
    """
    # BEGIN SOLUTION
    # StaticPool: one connection for all; check_same_thread=False lets other threads use it.
    return create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    # END SOLUTION


class PoolMonitor:
    """Watches an Engine's pool through pool events while the `with` block runs:

        with PoolMonitor(engine) as monitor:
            ...
        monitor.opened, monitor.closed, monitor.invalidated, monitor.checked_out

    - opened: database connections opened (the `connect` event);
    - closed: database connections closed (`close`);
    - invalidated: connections invalidated (`invalidate`: an error said the connection is dead,
      or the code called invalidate());
    - checked_out: connections handed out and not yet given back (`checkout` minus `checkin`).
    The listeners are removed when the block ends.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.opened = self.closed = self.invalidated = self.checked_out = 0

    def __enter__(self) -> PoolMonitor:
        # BEGIN SOLUTION
        for name, listener in self._listeners():
            event.listen(self.engine, name, listener)
        return self
        # END SOLUTION

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # BEGIN SOLUTION
        for name, listener in self._listeners():
            event.remove(self.engine, name, listener)
        # END SOLUTION

    # BEGIN SOLUTION
    def _listeners(self) -> list[tuple[str, Any]]:
        # Bound methods compare equal each time they are fetched, so remove() finds them.
        return [
            ("connect", self._on_connect),
            ("close", self._on_close),
            ("invalidate", self._on_invalidate),
            ("checkout", self._on_checkout),
            ("checkin", self._on_checkin),
        ]

    def _on_connect(self, *args: Any) -> None:
        self.opened += 1

    def _on_close(self, *args: Any) -> None:
        self.closed += 1

    def _on_invalidate(self, *args: Any) -> None:
        self.invalidated += 1

    def _on_checkout(self, *args: Any) -> None:
        self.checked_out += 1

    def _on_checkin(self, *args: Any) -> None:
        self.checked_out -= 1

    # END SOLUTION
    # BEGIN STUB
    # # (your listener methods go here)
    # END STUB
