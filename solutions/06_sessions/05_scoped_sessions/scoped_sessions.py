"""Kata 6.5: scoped_session — one session per thread, removed at the end of each request.

The model is given (do not change it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, String
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, scoped_session, sessionmaker


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    price_cents: Mapped[int]


def make_registry(engine: Engine) -> scoped_session[Session]:
    """Return a session registry: calling it gives the current thread's session (the same one on
    every call in that thread, another one in another thread), bound to `engine`.
    """
    # BEGIN SOLUTION
    # scoped_session keeps one Session per thread (a threading.local by default).
    return scoped_session(sessionmaker(bind=engine))
    # END SOLUTION


@contextmanager
def request_scope(registry: scoped_session[Session]) -> Iterator[Session]:
    """The frame of one web request in the current thread: yield the thread's session (the one
    that `registry()` returns to any code running in the request). At the end: commit when the
    block succeeded, roll back when it raised (and let the exception propagate), and in every case
    remove the thread's session from the registry (closing it), so the next request starts fresh.
    """
    # BEGIN SOLUTION
    session = registry()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        registry.remove()  # close() the session AND forget it: the next registry() makes a new one
    # END SOLUTION


def serve(registry: scoped_session[Session], requests: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run each request (a function without arguments, which uses `registry()` for its session)
    in a thread of its own, all at the same time, and wait for all of them. Each request's
    session is removed from the registry in its own thread when that request ends, whatever
    happens. Return the requests' results in the order of `requests`; if some requests raised,
    raise the exception of the first of them (in that order), after every thread has finished.
    """
    # BEGIN SOLUTION
    results: list[Any] = [None] * len(requests)
    errors: list[BaseException | None] = [None] * len(requests)

    def run(index: int) -> None:
        try:
            results[index] = requests[index]()
        except BaseException as error:  # noqa: BLE001 - kept, and raised in the caller's thread below
            errors[index] = error
        finally:
            registry.remove()  # in THIS thread: remove() only touches the calling thread's session

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for error in errors:
        if error is not None:
            raise error
    return results
    # END SOLUTION
