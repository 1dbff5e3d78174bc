"""Kata 6.7: session events — before_flush, before_commit, after_commit, after_rollback, and removing listeners.

The model is given (do not change it). Every listener here is registered on ONE session (the
one passed in), never on the Session class: other sessions must not be affected.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, event
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    price_cents: Mapped[int]
    revision: Mapped[int] = mapped_column(default=0)


def install_revision_counter(session: Session) -> None:
    """On this session, before every flush: a new Product gets revision 1; a persistent Product
    that really changed (not merely had an attribute set to its old value) gets revision + 1,
    once per flush however many attributes changed.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def collect_notifications(session: Session) -> list[str]:
    """Return a list that, from now on, receives the sku of every new Product of this session once
    the transaction that inserted it has been COMMITTED (not when it is added or flushed). Products
    inserted in a transaction that is rolled back are never announced.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


class TransactionLog:
    """Records, for one session, the events 'before_commit', 'after_commit' and 'after_rollback'
    in `entries`, in the order they happen, between start() and stop().
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.entries: list[str] = []

    def start(self) -> None:
        """Register the three listeners on the session."""
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    def stop(self) -> None:
        """Remove this log's listeners (and only those): later events are not recorded."""
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    # Your listener methods here (or functions kept on self).
