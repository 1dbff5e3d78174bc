"""Kata 3.5: creating objects — add, add_all, flush to obtain keys, generated values, savepoints.

The tea shop's customers and orders. The models are given (do not change them); the tests create
the tables:

    customers(id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(200) NOT NULL UNIQUE,
              loyalty_points INTEGER NOT NULL,                       -- 0 from the model's default
              created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT <the database's current time>)
    orders(id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
           total_cents INTEGER NOT NULL, status VARCHAR(20) NOT NULL DEFAULT 'open')

None of the functions commits: the caller owns the transaction and decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(200), unique=True)
    loyalty_points: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    orders: Mapped[list[Order]] = relationship(back_populates="customer")


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    total_cents: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), server_default="open")
    customer: Mapped[Customer] = relationship(back_populates="orders")


def create_customer(session: Session, name: str, email: str) -> Customer:
    """Create a customer and send its INSERT, without committing.

    Return it with its id, loyalty_points and created_at known: reading them afterwards sends no SQL.
    """
    # BEGIN SOLUTION
    customer = Customer(name=name, email=email)
    session.add(customer)
    # flush() sends the INSERT inside the caller's transaction: the database assigns the id, and
    # (with RETURNING, which both databases here support) hands back created_at in the same round trip.
    session.flush()
    return customer
    # END SOLUTION


def import_customers(session: Session, people: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Create a customer for each (name, email) and return {email: id}, without committing.

    One flush for all of them: the INSERTs go to the database as one batch, not one per customer.
    """
    # BEGIN SOLUTION
    customers = [Customer(name=name, email=email) for name, email in people]
    session.add_all(customers)
    session.flush()  # one unit of work: SQLAlchemy batches the INSERTs ("insertmanyvalues")
    return {customer.email: customer.id for customer in customers}
    # END SOLUTION


def open_first_order(session: Session, name: str, email: str, total_cents: int) -> Order:
    """Create a new customer and their first order, without committing.

    Return the order with its id, customer_id and status (the database's default) known.
    """
    # BEGIN SOLUTION
    customer = Customer(name=name, email=email)
    # Linked through the relationship: the flush INSERTs the customer first and copies its new id
    # into order.customer_id. (Without the relationship: flush the customer, then use customer.id.)
    order = Order(customer=customer, total_cents=total_cents)
    session.add(order)  # the customer comes along ("save-update" cascade)
    session.flush()
    return order
    # END SOLUTION


def register_if_new(session: Session, name: str, email: str) -> Customer | None:
    """Create and flush a customer; return None if the email is taken.

    Whatever else the caller has done in this session (objects added, not yet flushed) must
    survive a refusal.
    """
    # BEGIN SOLUTION
    customer = Customer(name=name, email=email)
    try:
        # A savepoint: a refusal rolls back to here, not the caller's whole transaction. (Entering it
        # flushes what the caller had pending, so only this customer's INSERT can fail inside it.)
        with session.begin_nested():
            session.add(customer)
            session.flush()
    except IntegrityError:
        return None  # the savepoint's rollback expunged the refused customer; the rest is intact
    return customer
    # END SOLUTION
