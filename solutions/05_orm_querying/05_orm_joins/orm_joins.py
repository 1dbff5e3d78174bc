"""Kata 5.5: ORM joins — along relationships, with an explicit ON, outer joins, aliased self-joins,
and contains_eager().

The shop's models are given (fixtures/shop/models.py); every function receives a Session and
only reads.
"""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased, contains_eager

from fixtures.shop.models import Customer, Order, OrderLine, Product, Review


def orders_with_customer_names(session: Session, status: str) -> list[tuple[int, str]]:
    """(order id, customer name) of every order with this status, by order id. One SELECT."""
    # BEGIN SOLUTION
    statement = (
        select(Order.id, Customer.name)
        .join(Order.customer)  # along the relationship: SQLAlchemy writes the ON clause
        .where(Order.status == status)
        .order_by(Order.id)
    )
    return [(row.id, row.name) for row in session.execute(statement)]
    # END SOLUTION


def products_bought_by(session: Session, email: str) -> list[Product]:
    """The products the customer with this email has ordered (any status), each once, by id."""
    # BEGIN SOLUTION
    statement = (
        select(Product)
        .join(Product.lines)
        .join(OrderLine.order)
        .join(Order.customer)
        .where(Customer.email == email)
        .distinct()  # a product ordered twice would come twice
        .order_by(Product.id)
    )
    return list(session.scalars(statement))
    # END SOLUTION


def verified_reviews(session: Session) -> list[Review]:
    """The reviews whose author has ordered the reviewed product (in an order that is not
    cancelled); each review once, by id.

    There is no relationship between reviews and orders: write the ON clauses yourself.
    """
    # BEGIN SOLUTION
    statement = (
        select(Review)
        .join(Order, and_(Order.customer_id == Review.customer_id, Order.status != "cancelled"))
        .join(OrderLine, and_(OrderLine.order_id == Order.id, OrderLine.product_id == Review.product_id))
        .distinct()
        .order_by(Review.id)
    )
    return list(session.scalars(statement))
    # END SOLUTION


def customer_orders(session: Session) -> list[tuple[str, int | None]]:
    """(customer name, order id) for every order of every customer; a customer who never ordered
    appears once, with None. Ordered by customer id, then order id."""
    # BEGIN SOLUTION
    statement = (
        select(Customer.name, Order.id)
        .outerjoin(Customer.orders)  # LEFT OUTER JOIN: customers without orders stay, with NULLs
        .order_by(Customer.id, Order.id)
    )
    return [(row.name, row.id) for row in session.execute(statement)]
    # END SOLUTION


def referrals_across_countries(session: Session) -> list[tuple[str, str]]:
    """(referrer's name, customer's name) for each customer referred by someone living in
    ANOTHER country; ordered by the customer's id."""
    # BEGIN SOLUTION
    # Two roles of one table: an alias gives the referrer its own name in the SQL.
    referrer = aliased(Customer, name="referrer")
    statement = (
        select(referrer.name, Customer.name)
        .join(referrer, Customer.referrer)  # Customer.referrer, towards the alias
        .where(referrer.country != Customer.country)
        .order_by(Customer.id)
    )
    return [(row[0], row[1]) for row in session.execute(statement)]
    # END SOLUTION


def orders_with_lines_in(session: Session, category: str) -> list[Order]:
    """The orders with at least one line of a product of `category`, by id, each with `lines`
    already loaded and holding ONLY those lines, all in one SELECT (reading order.lines sends no SQL)."""
    # BEGIN SOLUTION
    statement = (
        select(Order)
        .join(Order.lines)
        .join(OrderLine.product)
        .where(Product.category == category)
        # The joined lines fill order.lines: the collection holds what the WHERE kept.
        .options(contains_eager(Order.lines))
        .order_by(Order.id, OrderLine.id)
    )
    # unique(): one Order per order, however many lines the join returned for it.
    return list(session.scalars(statement).unique())
    # END SOLUTION
