"""Kata 5.6: eager loading — fix the N+1 queries with selectinload, joinedload and friends.

The shop's models are given (fixtures/shop/models.py): their relationships load lazily (the
default), one SELECT the first time each object's attribute is read. Each function below
returns objects that its caller (a page, an export) then walks through; the tests walk them the
same way and count every statement, the function's and the walk's.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, raiseload, selectinload

from fixtures.shop.models import Customer, Order, OrderLine, Product, Review


def orders_with_customers(session: Session) -> list[Order]:
    """Every order, by id, with its customer loaded: the order list shows each customer's name.

    Budget: 2 statements for the call and reading every order.customer.name.
    """
    # BEGIN SOLUTION
    # Many-to-one: a LEFT OUTER JOIN brings each order's customer in the same row. One statement.
    return list(session.scalars(select(Order).options(joinedload(Order.customer)).order_by(Order.id)))
    # END SOLUTION
    # BEGIN STUB
    # return list(session.scalars(select(Order).order_by(Order.id)))  # TODO: N+1 on order.customer
    # END STUB


def customers_with_orders_and_lines(session: Session) -> list[Customer]:
    """Every customer, by id, with their orders and each order's lines loaded (the account report
    reads customer.orders[...].lines[...].quantity).

    Budget: 3 statements, however many customers and orders there are.
    """
    # BEGIN SOLUTION
    # One-to-many, two levels: selectinload sends one SELECT ... WHERE customer_id IN (...) per level.
    statement = (
        select(Customer)
        .options(selectinload(Customer.orders).selectinload(Order.lines))
        .order_by(Customer.id)
    )
    return list(session.scalars(statement))
    # END SOLUTION
    # BEGIN STUB
    # return list(session.scalars(select(Customer).order_by(Customer.id)))  # TODO: N+1, twice
    # END STUB


def products_with_reviews(session: Session, category: str) -> list[Product]:
    """The products of `category`, by id, with their reviews, and each review's customer, loaded
    (the product page shows every review with its author's name).

    Budget: 3 statements.
    """
    # BEGIN SOLUTION
    statement = (
        select(Product)
        .where(Product.category == category)
        .options(selectinload(Product.reviews).joinedload(Review.customer))
        .order_by(Product.id)
    )
    return list(session.scalars(statement))
    # END SOLUTION
    # BEGIN STUB
    # statement = select(Product).where(Product.category == category).order_by(Product.id)
    # return list(session.scalars(statement))  # TODO: N+1 on reviews, then on each review's customer
    # END STUB


def order_page(session: Session, order_id: int) -> Order | None:
    """One order with its lines and each line's product loaded (the order page lists them), or None.

    The page does not show the customer: do NOT load it (eager loading what nobody reads is
    wasted work too). Budget: 3 statements for the call and reading every line's product.
    """
    # BEGIN SOLUTION
    statement = (
        select(Order)
        .where(Order.id == order_id)
        .options(selectinload(Order.lines).joinedload(OrderLine.product))
    )
    return session.scalars(statement).one_or_none()
    # END SOLUTION
    # BEGIN STUB
    # return session.get(Order, order_id)  # TODO: lines and their products load one by one
    # END STUB


def orders_for_export(session: Session) -> list[Order]:
    """Every order, by id, with its lines loaded, and EVERY other relationship of the orders and
    lines set to raise instead of loading: the nightly export must never run a lazy load by
    accident (reading order.customer or line.product raises sqlalchemy.exc.InvalidRequestError).

    Budget: 2 statements for the call and reading every line's quantity.
    """
    # BEGIN SOLUTION
    statement = (
        select(Order)
        # raiseload("*") on the orders, and on the lines: an unplanned lazy load raises instead of querying.
        .options(selectinload(Order.lines).raiseload("*"), raiseload("*"))
        .order_by(Order.id)
    )
    return list(session.scalars(statement))
    # END SOLUTION
    # BEGIN STUB
    # return list(session.scalars(select(Order).order_by(Order.id)))  # TODO: load lines, raise on the rest
    # END STUB
