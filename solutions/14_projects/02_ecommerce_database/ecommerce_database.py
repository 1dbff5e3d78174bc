"""Kata 14.2 (project): the shop's order database: orders that never oversell, money that adds up.

Given: the models (products, orders, order lines) and the exceptions.
You write: place_order, order_total, revenue_by_product and cancel_order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint, func, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (CheckConstraint("stock >= 0", name="stock_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))  # exact money: Decimal in, Decimal out
    stock: Mapped[int] = mapped_column(default=0)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="placed")  # "placed" or "cancelled"
    placed_at: Mapped[datetime] = mapped_column(default=datetime.now)
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "product_id", name="one_line_per_product"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))  # the price when the order was placed
    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()


class OrderError(Exception):
    """Something about an order the shop refuses; the subclasses say what."""


class InvalidOrder(OrderError, ValueError):
    """No lines, or a quantity that is not a positive whole number."""


class UnknownProduct(OrderError, LookupError):
    def __init__(self, product_id: int) -> None:
        super().__init__(f"no product {product_id}")
        self.product_id = product_id


class OutOfStock(OrderError):
    def __init__(self, product_id: int) -> None:
        super().__init__(f"not enough stock of product {product_id}")
        self.product_id = product_id


class UnknownOrder(OrderError, LookupError):
    def __init__(self, order_id: int) -> None:
        super().__init__(f"no order {order_id}")
        self.order_id = order_id


class NotCancellable(OrderError):
    """The order is already cancelled."""


# -- task 1 and 2 ----------------------------------------------------------------------------------


def place_order(session: Session, customer: str, items: Mapping[int, int]) -> Order:
    """Place an order of {product_id: quantity} for customer; flush it (the caller commits) and return it.

    Each line keeps the product's current price as unit_price. Refuses with InvalidOrder (no items, a
    quantity that is not an int >= 1: nothing is sent), UnknownProduct or OutOfStock (carrying the
    product's id). A refused order leaves nothing behind — no order, no line, every stock as it was —
    and the session usable, with its earlier work intact. The stock is checked and taken in the
    database, one product at a time in ascending id order, so that concurrent orders never oversell
    and never deadlock.
    """
    # BEGIN SOLUTION
    if not items or any(
        isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1
        for quantity in items.values()
    ):
        raise InvalidOrder(f"an order needs lines with quantities >= 1, got {dict(items)!r}")
    # A savepoint makes the order all-or-nothing without ending the caller's transaction.
    with session.begin_nested():
        prices: dict[int, Decimal] = {}
        # Ascending ids: two orders lock the same rows in the same order, so neither waits on the other.
        for product_id in sorted(items):
            quantity = items[product_id]
            # Check and take in one statement: the database evaluates "stock >= quantity" on the row as
            # it is when the row lock is held, so a concurrent order cannot slip in between.
            price = session.scalar(
                update(Product)
                .where(Product.id == product_id, Product.stock >= quantity)
                .values(stock=Product.stock - quantity)
                .returning(Product.price)
            )
            if price is None:
                if session.get(Product, product_id) is None:
                    raise UnknownProduct(product_id)
                raise OutOfStock(product_id)
            prices[product_id] = price
        order = Order(customer=customer, status="placed")
        order.lines = [
            OrderLine(product_id=product_id, quantity=items[product_id], unit_price=prices[product_id])
            for product_id in sorted(items)
        ]
        session.add(order)
    return order
    # END SOLUTION


# -- task 3 ------------------------------------------------------------------------------------------


def order_total(session: Session, order_id: int) -> Decimal:
    """The order's total, sum of quantity * unit_price, as an exact Decimal computed by the database
    (one SELECT). UnknownOrder if there is no such order."""
    # BEGIN SOLUTION
    total, found = session.execute(
        select(
            func.coalesce(func.sum(OrderLine.quantity * OrderLine.unit_price), 0),
            func.count(Order.id.distinct()),
        )
        .select_from(Order)
        .outerjoin(OrderLine)
        .where(Order.id == order_id)
    ).one()
    if not found:
        raise UnknownOrder(order_id)
    return Decimal(total).quantize(Decimal("0.01"))
    # END SOLUTION


def revenue_by_product(session: Session, first_day: date, last_day: date) -> list[tuple[str, int, Decimal]]:
    """(sku, units sold, revenue) per product sold in orders placed from first_day to last_day
    (both days included, whole days), cancelled orders left out; highest revenue first, ties by sku.
    One SELECT; the sums are done by the database, as exact Decimals."""
    # BEGIN SOLUTION
    revenue = func.sum(OrderLine.quantity * OrderLine.unit_price)
    # [first_day 00:00, the day after last_day 00:00): the last day's evening is in, the next day is out.
    start = datetime.combine(first_day, datetime.min.time())
    end = datetime.combine(last_day + timedelta(days=1), datetime.min.time())
    rows = session.execute(
        select(Product.sku, func.sum(OrderLine.quantity), revenue)
        .join(OrderLine.product)
        .join(OrderLine.order)
        .where(Order.status != "cancelled", Order.placed_at >= start, Order.placed_at < end)
        .group_by(Product.id, Product.sku)
        .order_by(revenue.desc(), Product.sku)
    ).all()
    return [(sku, int(units), Decimal(total).quantize(Decimal("0.01"))) for sku, units, total in rows]
    # END SOLUTION


# -- task 4 ------------------------------------------------------------------------------------------


def cancel_order(session: Session, order_id: int) -> None:
    """Cancel a placed order and put its quantities back in stock; flush (the caller commits).

    UnknownOrder if there is no such order, NotCancellable if it is already cancelled (nothing
    changes). Two concurrent cancellations of one order put the stock back once.
    """
    # BEGIN SOLUTION
    with session.begin_nested():
        # Claim the order in one statement: only the request whose UPDATE changed the row restocks.
        claimed = session.execute(
            update(Order)
            .where(Order.id == order_id, Order.status == "placed")
            .values(status="cancelled")
            .returning(Order.id)
        ).first()
        if claimed is None:
            if session.get(Order, order_id) is None:
                raise UnknownOrder(order_id)
            raise NotCancellable(f"order {order_id} is already cancelled")
        lines = session.execute(
            select(OrderLine.product_id, OrderLine.quantity)
            .where(OrderLine.order_id == order_id)
            .order_by(OrderLine.product_id)
        ).all()
        for product_id, quantity in lines:
            session.execute(
                update(Product).where(Product.id == product_id).values(stock=Product.stock + quantity)
            )
    # END SOLUTION
