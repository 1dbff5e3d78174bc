"""Kata 8.7: the ticket office's models, as they must be after `upgrade head` (given: do not change them).

The migrations in ticketing_migrations/versions/ take the database from the first revision's
schema to this one.
"""

from __future__ import annotations

import datetime

from sqlalchemy import CheckConstraint, ForeignKey, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[datetime.date]


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)  # uq_customers_email


class Ticket(Base):
    __tablename__ = "tickets"
    # ck_tickets_non_negative_price
    __table_args__ = (CheckConstraint("price_cents >= 0", name="non_negative_price"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)  # ix_tickets_event_id
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))  # fk_tickets_customer_id_customers
    price_cents: Mapped[int]
