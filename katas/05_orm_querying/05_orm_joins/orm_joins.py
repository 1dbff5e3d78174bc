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
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def products_bought_by(session: Session, email: str) -> list[Product]:
    """The products the customer with this email has ordered (any status), each once, by id."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def verified_reviews(session: Session) -> list[Review]:
    """The reviews whose author has ordered the reviewed product (in an order that is not
    cancelled); each review once, by id.

    There is no relationship between reviews and orders: write the ON clauses yourself.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def customer_orders(session: Session) -> list[tuple[str, int | None]]:
    """(customer name, order id) for every order of every customer; a customer who never ordered
    appears once, with None. Ordered by customer id, then order id."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def referrals_across_countries(session: Session) -> list[tuple[str, str]]:
    """(referrer's name, customer's name) for each customer referred by someone living in
    ANOTHER country; ordered by the customer's id."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def orders_with_lines_in(session: Session, category: str) -> list[Order]:
    """The orders with at least one line of a product of `category`, by id, each with `lines`
    already loaded and holding ONLY those lines, all in one SELECT (reading order.lines sends no SQL)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
