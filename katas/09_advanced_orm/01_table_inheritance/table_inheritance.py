"""Kata 9.1: table inheritance — single-table, joined and concrete; polymorphic queries, with_polymorphic.

Three class hierarchies of a small company's back office, each mapped with a different style:

- staff (single-table): Employee, Manager(Employee), Engineer(Employee), all in ONE table;
- payments (joined): Payment, CardPayment(Payment), BankTransfer(Payment), a parent table and one
  table per subclass holding only its own columns;
- notifications (concrete): EmailNotification, SmsNotification, each in its own complete table,
  and Notification, an abstract base with no table that still can be queried polymorphically.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ForeignKey, String, or_, select
from sqlalchemy.ext.declarative import AbstractConcreteBase
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, with_polymorphic


class Base(DeclarativeBase):
    pass


# -- task 1: single-table inheritance ---------------------------------------------------------
class Employee(Base):
    """Everybody on the staff; table `employees`, discriminator column `type` ('employee')."""

    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(20))
    # TODO: __mapper_args__: `type` is the discriminator, 'employee' this class's identity


class Manager(Employee):
    """A manager: type 'manager', with a `budget_cents` column (nullable: other rows have none)."""

    # TODO: in the SAME table as Employee; its identity; the budget_cents column


class Engineer(Employee):
    """An engineer: type 'engineer', with a `language` column (String(50), nullable)."""

    # TODO: its identity; the language column


# -- task 2: joined-table inheritance ---------------------------------------------------------
class Payment(Base):
    """A payment; table `payments`, discriminator column `kind` ('payment')."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    amount_cents: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    # TODO: __mapper_args__


class CardPayment(Payment):
    """Paid by card: kind 'card'; table `card_payments` with `last4` (String(4))."""

    # TODO: its own table card_payments (id, last4), its identity


class BankTransfer(Payment):
    """Paid by bank transfer: kind 'transfer'; table `bank_transfers` with `iban` (String(34))."""

    # TODO: its own table bank_transfers (id, iban), its identity


# -- task 3: concrete-table inheritance -------------------------------------------------------
class Notification(Base):  # TODO: abstract, no table of its own, polymorphic over its subclasses
    """Abstract: no table of its own, but `select(Notification)` returns both kinds."""

    __abstract__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(String(500))


class EmailNotification(Notification):
    """Table `email_notifications`: id, recipient, body, subject (String(200))."""

    __tablename__ = "email_notifications"
    # TODO: the subject column; a concrete mapping with its identity


class SmsNotification(Notification):
    """Table `sms_notifications`: id, recipient, body, sender_id (String(11))."""

    __tablename__ = "sms_notifications"
    # TODO: the sender_id column; a concrete mapping with its identity


# -- task 4: with_polymorphic -----------------------------------------------------------------
def payments_with_details(session: Session) -> Sequence[Payment]:
    """Every payment, ordered by id, as its own subclass, with the subclass columns (last4, iban)
    already loaded: ONE SELECT in all, and reading `last4` or `iban` afterwards sends nothing."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def find_payments(session: Session, text: str) -> Sequence[Payment]:
    """The payments whose card ends with `text` (last4 == text) or whose transfer IBAN ends with
    `text`, ordered by id, in ONE SELECT (the database filters on the subclass columns)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
