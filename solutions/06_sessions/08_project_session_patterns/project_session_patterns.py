"""Kata 6.8 (project): a service layer — a unit of work per call, retries of transient errors,
and clean errors for the callers.

The models, the service's errors and ShopService.__init__ are given (do not change them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from sqlalchemy import CheckConstraint, ForeignKey, String, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

T = TypeVar("T")


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (CheckConstraint("stock >= 0", name="stock_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    price_cents: Mapped[int]
    stock: Mapped[int] = mapped_column(default=0)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer: Mapped[str] = mapped_column(String(100))
    total_cents: Mapped[int]


class OrderLine(Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int]
    unit_price_cents: Mapped[int]


class ServiceError(Exception):
    """An error the service's callers are meant to handle (shown to the user, mapped to a 4xx)."""


class UnknownProduct(ServiceError):
    pass


class OutOfStock(ServiceError):
    pass


class DuplicateSku(ServiceError):
    pass


class ShopService:
    """The shop's service layer: each public method is one unit of work (one transaction)."""

    def __init__(self, sessions: sessionmaker[Session], attempts: int = 3) -> None:
        self.sessions = sessions
        self.attempts = attempts  # how many times run() may call the work, in all

    def run(self, work: Callable[[Session], T]) -> T:
        """Run `work(session)` in a new session and transaction and commit; return work's result.

        A transient error — sqlalchemy.exc.OperationalError (a serialization failure, a deadlock, a
        lock timeout, a dropped connection), raised by the work or by the commit — rolls the attempt
        back and runs the work again from the start, in a new session, up to `self.attempts` calls
        in all; then the last error propagates. Any other error (an IntegrityError, a ServiceError,
        a bug) rolls back and propagates at once, without a retry. Every session is closed.
        """
        # BEGIN SOLUTION
        for attempt in range(1, self.attempts + 1):
            # A new session per attempt: nothing of a failed attempt (objects, flushed rows,
            # the aborted transaction) can leak into the next one.
            with self.sessions() as session:
                try:
                    result = work(session)
                    session.commit()
                    return result
                except OperationalError:
                    session.rollback()
                    if attempt == self.attempts:
                        raise  # give up: the caller sees the real error
                except BaseException:
                    session.rollback()
                    raise  # not transient: retrying would fail the same way (or worse)
        raise AssertionError("attempts must be at least 1")
        # END SOLUTION

    def place_order(self, customer: str, items: Mapping[str, int]) -> int:
        """Place an order for `items` (sku -> quantity) in one unit of work, through run():
        an Order, one OrderLine per item at the product's current price, total_cents = the sum of
        the lines, and each product's stock lowered. Unknown sku: UnknownProduct; not enough
        stock: OutOfStock; in both cases nothing is changed. Return the order's id.
        """
        # BEGIN SOLUTION
        def work(session: Session) -> int:
            # Everything the work needs is read inside it: a retry starts again from the database.
            order = Order(customer=customer, total_cents=0)
            session.add(order)
            session.flush()
            for sku, quantity in items.items():
                product = session.scalars(select(Product).where(Product.sku == sku)).one_or_none()
                if product is None:
                    raise UnknownProduct(sku)
                if product.stock < quantity:
                    raise OutOfStock(f"{sku}: {product.stock} left, {quantity} wanted")
                product.stock -= quantity
                session.add(
                    OrderLine(
                        order_id=order.id,
                        product_id=product.id,
                        quantity=quantity,
                        unit_price_cents=product.price_cents,
                    )
                )
                order.total_cents += quantity * product.price_cents
            session.flush()
            return order.id

        return self.run(work)
        # END SOLUTION

    def register_product(self, sku: str, name: str, price_cents: int) -> int:
        """Add a product (stock 0) through run() and return its id. A sku that exists already:
        raise DuplicateSku (chained to the database's IntegrityError), after a single attempt.
        """
        # BEGIN SOLUTION
        def work(session: Session) -> int:
            product = Product(sku=sku, name=name, price_cents=price_cents)
            session.add(product)
            session.flush()
            return product.id

        try:
            return self.run(work)
        except IntegrityError as error:
            # Translate at the service boundary: callers handle DuplicateSku, not driver errors.
            raise DuplicateSku(sku) from error
        # END SOLUTION
