"""Kata 13.5: Celery tasks with a Session per task, bounded retries, and an engine fit for forked workers.

The model, the payment gateway and the module's engine set-up are given. You write the task, its
retry policy, and the handler that makes each forked worker process start with a pool of its own.
"""

from __future__ import annotations

from typing import Any

# Celery ships no type hints (the separate celery-types package has them): mypy sees Any.
from celery import Task, shared_task  # type: ignore[import-untyped]
from celery.signals import worker_process_init  # type: ignore[import-untyped]
from sqlalchemy import Engine, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    total_cents: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="new")  # new -> paid


class TransientError(Exception):
    """The gateway timed out or was busy: the same call may well work a moment later."""


class Gateway:
    """The payment provider's client (the tests replace it with one that fails when they say so)."""

    def charge(self, order_id: int, amount_cents: int) -> str:
        """Charge the amount; returns a receipt id. May raise TransientError."""
        raise TransientError("no payment provider in this kata")


gateway = Gateway()

# The worker's database: one engine per process, and a sessionmaker for the tasks' sessions.
engine: Engine | None = None
SessionLocal = sessionmaker()


def configure(database_url: str) -> Engine:
    """Create the module's engine on `database_url` and bind SessionLocal to it (at worker start-up)."""
    global engine
    engine = create_engine(database_url)
    SessionLocal.configure(bind=engine)
    return engine


# -- task 1 and 2: the task and its retries -------------------------------------------------------------


@shared_task(bind=True)  # TODO (task 2): retry TransientError, at most 4 times, 0.1 s apart
def pay_order(self: Task[Any, Any], order_id: int) -> dict[str, Any]:
    """Charge the order's total through `gateway` and mark it paid, in a Session of this attempt's own,
    committed at the end. Return {"id": ..., "status": "paid"}. An order that is already paid is not
    charged again (the same answer). An order that does not exist raises ValueError(f"no order {order_id}").
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# -- task 3: after a fork -----------------------------------------------------------------------------------


def dispose_engine_after_fork(**_: Any) -> None:
    """In a new worker process, give the engine a fresh pool WITHOUT closing the connections the parent
    process still uses (they were inherited through the fork)."""
    # TODO (task 3): connect this to Celery's worker_process_init signal, and write it
