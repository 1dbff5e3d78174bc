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
    return list(session.scalars(select(Order).order_by(Order.id)))  # TODO: N+1 on order.customer


def customers_with_orders_and_lines(session: Session) -> list[Customer]:
    """Every customer, by id, with their orders and each order's lines loaded (the account report
    reads customer.orders[...].lines[...].quantity).

    Budget: 3 statements, however many customers and orders there are.
    """
    return list(session.scalars(select(Customer).order_by(Customer.id)))  # TODO: N+1, twice


def products_with_reviews(session: Session, category: str) -> list[Product]:
    """The products of `category`, by id, with their reviews, and each review's customer, loaded
    (the product page shows every review with its author's name).

    Budget: 3 statements.
    """
    statement = select(Product).where(Product.category == category).order_by(Product.id)
    return list(session.scalars(statement))  # TODO: N+1 on reviews, then on each review's customer


def order_page(session: Session, order_id: int) -> Order | None:
    """One order with its lines and each line's product loaded (the order page lists them), or None.

    The page does not show the customer: do NOT load it (eager loading what nobody reads is
    wasted work too). Budget: 3 statements for the call and reading every line's product.
    """
    return session.get(Order, order_id)  # TODO: lines and their products load one by one


def orders_for_export(session: Session) -> list[Order]:
    """Every order, by id, with its lines loaded, and EVERY other relationship of the orders and
    lines set to raise instead of loading: the nightly export must never run a lazy load by
    accident (reading order.customer or line.product raises sqlalchemy.exc.InvalidRequestError).

    Budget: 2 statements for the call and reading every line's quantity.
    """
    return list(session.scalars(select(Order).order_by(Order.id)))  # TODO: load lines, raise on the rest
