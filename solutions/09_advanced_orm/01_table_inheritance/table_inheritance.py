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
# BEGIN SOLUTION
class Employee(Base):
    """Everybody on the staff; table `employees`, discriminator column `type` ('employee')."""

    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(20))

    __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "employee"}


class Manager(Employee):
    """A manager: type 'manager', with a `budget_cents` column (nullable: other rows have none)."""

    # No __tablename__: the subclass lives in its parent's table; its columns must be nullable.
    budget_cents: Mapped[int | None] = mapped_column(default=None)

    __mapper_args__ = {"polymorphic_identity": "manager"}


class Engineer(Employee):
    """An engineer: type 'engineer', with a `language` column (String(50), nullable)."""

    language: Mapped[str | None] = mapped_column(String(50), default=None)

    __mapper_args__ = {"polymorphic_identity": "engineer"}
# END SOLUTION
# BEGIN STUB
# class Employee(Base):
#     """Everybody on the staff; table `employees`, discriminator column `type` ('employee')."""
#
#     __tablename__ = "employees"
#
#     id: Mapped[int] = mapped_column(primary_key=True)
#     name: Mapped[str] = mapped_column(String(100))
#     type: Mapped[str] = mapped_column(String(20))
#     # TODO: __mapper_args__: `type` is the discriminator, 'employee' this class's identity
#
#
# class Manager(Employee):
#     """A manager: type 'manager', with a `budget_cents` column (nullable: other rows have none)."""
#
#     # TODO: in the SAME table as Employee; its identity; the budget_cents column
#
#
# class Engineer(Employee):
#     """An engineer: type 'engineer', with a `language` column (String(50), nullable)."""
#
#     # TODO: its identity; the language column
# END STUB


# -- task 2: joined-table inheritance ---------------------------------------------------------
# BEGIN SOLUTION
class Payment(Base):
    """A payment; table `payments`, discriminator column `kind` ('payment')."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    amount_cents: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))

    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "payment"}


class CardPayment(Payment):
    """Paid by card: kind 'card'; table `card_payments` with `last4` (String(4))."""

    __tablename__ = "card_payments"

    # The child's primary key is also a foreign key to the parent row: one logical row, two tables.
    id: Mapped[int] = mapped_column(ForeignKey("payments.id"), primary_key=True)
    last4: Mapped[str] = mapped_column(String(4))

    __mapper_args__ = {"polymorphic_identity": "card"}


class BankTransfer(Payment):
    """Paid by bank transfer: kind 'transfer'; table `bank_transfers` with `iban` (String(34))."""

    __tablename__ = "bank_transfers"

    id: Mapped[int] = mapped_column(ForeignKey("payments.id"), primary_key=True)
    iban: Mapped[str] = mapped_column(String(34))

    __mapper_args__ = {"polymorphic_identity": "transfer"}
# END SOLUTION
# BEGIN STUB
# class Payment(Base):
#     """A payment; table `payments`, discriminator column `kind` ('payment')."""
#
#     __tablename__ = "payments"
#
#     id: Mapped[int] = mapped_column(primary_key=True)
#     amount_cents: Mapped[int]
#     kind: Mapped[str] = mapped_column(String(20))
#     # TODO: __mapper_args__
#
#
# class CardPayment(Payment):
#     """Paid by card: kind 'card'; table `card_payments` with `last4` (String(4))."""
#
#     # TODO: its own table card_payments (id, last4), its identity
#
#
# class BankTransfer(Payment):
#     """Paid by bank transfer: kind 'transfer'; table `bank_transfers` with `iban` (String(34))."""
#
#     # TODO: its own table bank_transfers (id, iban), its identity
# END STUB


# -- task 3: concrete-table inheritance -------------------------------------------------------
# BEGIN SOLUTION
class Notification(AbstractConcreteBase, Base):
    """Abstract: no table of its own, but `select(Notification)` returns both kinds."""

    # AbstractConcreteBase: each subclass has a complete table; the polymorphic query is a
    # UNION ALL of those tables, built when the mappers are configured.
    strict_attrs = True

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(String(500))


class EmailNotification(Notification):
    """Table `email_notifications`: id, recipient, body, subject (String(200))."""

    __tablename__ = "email_notifications"

    subject: Mapped[str] = mapped_column(String(200))

    __mapper_args__ = {"polymorphic_identity": "email", "concrete": True}


class SmsNotification(Notification):
    """Table `sms_notifications`: id, recipient, body, sender_id (String(11))."""

    __tablename__ = "sms_notifications"

    sender_id: Mapped[str] = mapped_column(String(11))

    __mapper_args__ = {"polymorphic_identity": "sms", "concrete": True}
# END SOLUTION
# BEGIN STUB
# class Notification(Base):  # TODO: abstract, no table of its own, polymorphic over its subclasses
#     """Abstract: no table of its own, but `select(Notification)` returns both kinds."""
#
#     __abstract__ = True
#
#     id: Mapped[int] = mapped_column(primary_key=True)
#     recipient: Mapped[str] = mapped_column(String(100))
#     body: Mapped[str] = mapped_column(String(500))
#
#
# class EmailNotification(Notification):
#     """Table `email_notifications`: id, recipient, body, subject (String(200))."""
#
#     __tablename__ = "email_notifications"
#     # TODO: the subject column; a concrete mapping with its identity
#
#
# class SmsNotification(Notification):
#     """Table `sms_notifications`: id, recipient, body, sender_id (String(11))."""
#
#     __tablename__ = "sms_notifications"
#     # TODO: the sender_id column; a concrete mapping with its identity
# END STUB


# -- task 4: with_polymorphic -----------------------------------------------------------------
def payments_with_details(session: Session) -> Sequence[Payment]:
    """Every payment, ordered by id, as its own subclass, with the subclass columns (last4, iban)
    already loaded: ONE SELECT in all, and reading `last4` or `iban` afterwards sends nothing."""
    # BEGIN SOLUTION
    # with_polymorphic: one SELECT ... FROM payments LEFT OUTER JOIN card_payments LEFT OUTER JOIN
    # bank_transfers, instead of one extra SELECT per object when a subclass column is first read.
    payment = with_polymorphic(Payment, [CardPayment, BankTransfer])
    return session.scalars(select(payment).order_by(payment.id)).all()
    # END SOLUTION


def find_payments(session: Session, text: str) -> Sequence[Payment]:
    """The payments whose card ends with `text` (last4 == text) or whose transfer IBAN ends with
    `text`, ordered by id, in ONE SELECT (the database filters on the subclass columns)."""
    # BEGIN SOLUTION
    payment = with_polymorphic(Payment, [CardPayment, BankTransfer])
    statement = (
        select(payment)
        # payment.CardPayment.last4: a subclass column, usable in WHERE through the with_polymorphic entity.
        .where(or_(payment.CardPayment.last4 == text, payment.BankTransfer.iban.endswith(text)))
        .order_by(payment.id)
    )
    return session.scalars(statement).all()
    # END SOLUTION
