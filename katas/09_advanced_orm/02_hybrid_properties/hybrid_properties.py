"""Kata 9.2: hybrid properties — attributes that work on an object in Python AND in a query in SQL.

A climbing gym's members and their subscriptions (the columns are given; do not change them).
Each hybrid must give the same answer on a loaded object (Python) and inside select()/where()/
order_by() (SQL, computed by the database).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Date, ForeignKey, String, and_, case, func, or_, select
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

GOLD_POINTS = 1000  # a member with at least this many points is 'gold'
SILVER_POINTS = 100  # at least this many (and less than GOLD_POINTS): 'silver'; fewer: 'bronze'


class Base(DeclarativeBase):
    pass


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(50))
    last_name: Mapped[str] = mapped_column(String(50))
    nickname: Mapped[str | None] = mapped_column(String(50))
    points: Mapped[int] = mapped_column(default=0)
    balance_cents: Mapped[int] = mapped_column(default=0)  # negative: the member owes the gym

    @hybrid_property
    def is_overdrawn(self) -> bool:
        """True when the balance is below zero."""
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    @hybrid_property
    def display_name(self) -> str:
        """The nickname when it is not None, else 'first_name last_name' (one space between)."""
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    # TODO: the SQL side of display_name (@display_name.inplace.expression)

    @hybrid_property
    def tier(self) -> str:
        """'gold' from GOLD_POINTS points up, 'silver' from SILVER_POINTS up, else 'bronze'."""
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    # TODO: the SQL side of tier

    @hybrid_property
    def balance_abs_cents(self) -> int:
        """The size of the balance, whatever its sign: abs(balance_cents)."""
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    # TODO: the SQL side of balance_abs_cents


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    plan: Mapped[str] = mapped_column(String(20))
    monthly_cents: Mapped[int]
    starts_on: Mapped[datetime.date] = mapped_column(Date)
    ends_on: Mapped[datetime.date | None] = mapped_column(Date)  # None: open-ended; the end day is excluded

    @hybrid_property
    def yearly_cents(self) -> int:
        """Twelve months' worth: monthly_cents * 12."""
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    @hybrid_method
    def active_on(self, day: datetime.date) -> bool:
        """True when starts_on <= day and (ends_on is None or day < ends_on)."""
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    # TODO: the SQL side of active_on


def leaderboard(session: Session, tier: str) -> Sequence[str]:
    """The display names of the members of `tier`, alphabetically, in ONE SELECT that filters and
    orders in the database with the hybrids (no loading every member to sort them in Python)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def members_active_on(session: Session, day: datetime.date) -> Sequence[Member]:
    """The members with at least one subscription active on `day`, each once, by id, in ONE SELECT."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
