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
    # BEGIN SOLUTION
    @event.listens_for(session, "before_flush")
    def count_revisions(session: Session, _flush_context: Any, _instances: Any) -> None:
        # before_flush may still change objects: the changes go into this same flush.
        for obj in session.new:
            if isinstance(obj, Product):
                obj.revision = 1
        for obj in session.dirty:
            # session.dirty holds every object an attribute was set on; is_modified() checks the
            # history for a real change.
            if isinstance(obj, Product) and session.is_modified(obj, include_collections=False):
                obj.revision += 1
    # END SOLUTION


def collect_notifications(session: Session) -> list[str]:
    """Return a list that, from now on, receives the sku of every new Product of this session once
    the transaction that inserted it has been COMMITTED (not when it is added or flushed). Products
    inserted in a transaction that is rolled back are never announced.
    """
    # BEGIN SOLUTION
    announced: list[str] = []
    pending: list[str] = []

    @event.listens_for(session, "before_flush")
    def remember_new(session: Session, _flush_context: Any, _instances: Any) -> None:
        pending.extend(obj.sku for obj in session.new if isinstance(obj, Product))

    @event.listens_for(session, "after_commit")
    def announce(_session: Session) -> None:
        # Only now is the product really there for everybody else.
        announced.extend(pending)
        pending.clear()

    @event.listens_for(session, "after_rollback")
    def forget(_session: Session) -> None:
        pending.clear()

    return announced
    # END SOLUTION


class TransactionLog:
    """Records, for one session, the events 'before_commit', 'after_commit' and 'after_rollback'
    in `entries`, in the order they happen, between start() and stop().
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.entries: list[str] = []

    def start(self) -> None:
        """Register the three listeners on the session."""
        # BEGIN SOLUTION
        event.listen(self.session, "before_commit", self._before_commit)
        event.listen(self.session, "after_commit", self._after_commit)
        event.listen(self.session, "after_rollback", self._after_rollback)
        # END SOLUTION

    def stop(self) -> None:
        """Remove this log's listeners (and only those): later events are not recorded."""
        # BEGIN SOLUTION
        # event.remove() needs the same target, event name and function as event.listen().
        event.remove(self.session, "before_commit", self._before_commit)
        event.remove(self.session, "after_commit", self._after_commit)
        event.remove(self.session, "after_rollback", self._after_rollback)
        # END SOLUTION

    # BEGIN SOLUTION
    def _before_commit(self, _session: Session) -> None:
        self.entries.append("before_commit")

    def _after_commit(self, _session: Session) -> None:
        self.entries.append("after_commit")

    def _after_rollback(self, _session: Session) -> None:
        self.entries.append("after_rollback")
    # END SOLUTION
    # BEGIN STUB
    # # Your listener methods here (or functions kept on self).
    # END STUB
