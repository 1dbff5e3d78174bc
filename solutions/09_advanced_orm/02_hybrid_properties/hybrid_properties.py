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
        # BEGIN SOLUTION
        # A comparison works on an int (Python) and on a column (SQL): no .expression needed.
        return self.balance_cents < 0
        # END SOLUTION

    @hybrid_property
    def display_name(self) -> str:
        """The nickname when it is not None, else 'first_name last_name' (one space between)."""
        # BEGIN SOLUTION
        if self.nickname is not None:
            return self.nickname
        return self.first_name + " " + self.last_name
        # END SOLUTION

    # BEGIN SOLUTION
    @display_name.inplace.expression
    @classmethod
    def _display_name_expression(cls) -> ColumnElement[str]:
        # `if` cannot run in SQL (at class level `cls.nickname is not None` is always True):
        # coalesce() is the database's "first non-NULL of these".
        return func.coalesce(cls.nickname, cls.first_name + " " + cls.last_name)
    # END SOLUTION
    # BEGIN STUB
    # # TODO: the SQL side of display_name (@display_name.inplace.expression)
    # END STUB

    @hybrid_property
    def tier(self) -> str:
        """'gold' from GOLD_POINTS points up, 'silver' from SILVER_POINTS up, else 'bronze'."""
        # BEGIN SOLUTION
        if self.points >= GOLD_POINTS:
            return "gold"
        if self.points >= SILVER_POINTS:
            return "silver"
        return "bronze"
        # END SOLUTION

    # BEGIN SOLUTION
    @tier.inplace.expression
    @classmethod
    def _tier_expression(cls) -> ColumnElement[str]:
        # CASE WHEN ... THEN ... ELSE ... END: the SQL spelling of the if/elif/else above.
        return case(
            (cls.points >= GOLD_POINTS, "gold"),
            (cls.points >= SILVER_POINTS, "silver"),
            else_="bronze",
        )
    # END SOLUTION
    # BEGIN STUB
    # # TODO: the SQL side of tier
    # END STUB

    @hybrid_property
    def balance_abs_cents(self) -> int:
        """The size of the balance, whatever its sign: abs(balance_cents)."""
        # BEGIN SOLUTION
        return abs(self.balance_cents)
        # END SOLUTION

    # BEGIN SOLUTION
    @balance_abs_cents.inplace.expression
    @classmethod
    def _balance_abs_cents_expression(cls) -> ColumnElement[int]:
        # Python's abs() does not accept a column: the database has its own abs().
        return func.abs(cls.balance_cents)
    # END SOLUTION
    # BEGIN STUB
    # # TODO: the SQL side of balance_abs_cents
    # END STUB


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
        # BEGIN SOLUTION
        return self.monthly_cents * 12
        # END SOLUTION

    @hybrid_method
    def active_on(self, day: datetime.date) -> bool:
        """True when starts_on <= day and (ends_on is None or day < ends_on)."""
        # BEGIN SOLUTION
        return self.starts_on <= day and (self.ends_on is None or day < self.ends_on)
        # END SOLUTION

    # BEGIN SOLUTION
    # (mypy reads a hybrid_method in its class body as a plain function, hence the ignore.)
    @active_on.inplace.expression  # type: ignore[attr-defined, untyped-decorator]
    @classmethod
    def _active_on_expression(cls, day: datetime.date) -> ColumnElement[bool]:
        # `and`/`or`/`is None` are Python; and_(), or_() and .is_(None) build the SQL.
        return and_(cls.starts_on <= day, or_(cls.ends_on.is_(None), cls.ends_on > day))
    # END SOLUTION
    # BEGIN STUB
    # # TODO: the SQL side of active_on
    # END STUB


def leaderboard(session: Session, tier: str) -> Sequence[str]:
    """The display names of the members of `tier`, alphabetically, in ONE SELECT that filters and
    orders in the database with the hybrids (no loading every member to sort them in Python)."""
    # BEGIN SOLUTION
    statement = select(Member.display_name).where(Member.tier == tier).order_by(Member.display_name)
    return session.scalars(statement).all()
    # END SOLUTION


def members_active_on(session: Session, day: datetime.date) -> Sequence[Member]:
    """The members with at least one subscription active on `day`, each once, by id, in ONE SELECT."""
    # BEGIN SOLUTION
    active = select(Subscription.member_id).where(Subscription.active_on(day))
    return session.scalars(select(Member).where(Member.id.in_(active)).order_by(Member.id)).all()
    # END SOLUTION
