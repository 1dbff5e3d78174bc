"""Kata 5.8, project: the shop's reports — top customers, monthly revenue, products never sold,
a product performance table — each in one statement.

The shop's models are given (fixtures/shop/models.py). Revenue counts the lines of the orders
whose status is in COUNTED (paid or shipped): pending orders are not paid yet, cancelled ones
never will be. Every function receives a Session and only reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from fixtures.shop.models import Customer, Order, OrderLine, Product, Review

COUNTED = ("paid", "shipped")


@dataclass(frozen=True)
class TopCustomer:
    name: str
    email: str
    orders: int  # counted orders (paid or shipped)
    spent: Decimal  # revenue of those orders


@dataclass(frozen=True)
class MonthRevenue:
    month: str  # "2024-03"
    orders: int  # counted orders placed that month
    revenue: Decimal


@dataclass(frozen=True)
class ProductPerformance:
    sku: str
    units_sold: int  # sum of quantities on counted orders (0 if none)
    revenue: Decimal  # Decimal("0") if none
    reviews: int
    average_rating: float | None  # None without reviews


def top_customers(session: Session, limit: int) -> list[TopCustomer]:
    """The `limit` customers who spent the most on counted orders, most first (same amount: lower
    customer id first). Customers without counted orders are left out. One statement."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def monthly_revenue(session: Session, year: int) -> list[MonthRevenue]:
    """The 12 months of `year`, in order, with the counted orders placed in each and their
    revenue: a month without any has 0 and Decimal("0"). One statement."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def never_sold(session: Session) -> list[str]:
    """The skus of the products that are on no line of a counted order, sorted. One statement."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def product_performance(session: Session, category: str) -> list[ProductPerformance]:
    """One row per product of `category`, by sku: units sold and revenue on counted orders, number
    of reviews and average rating. One statement.

    Careful: joining the lines AND the reviews to the products in one go multiplies them (each
    line once per review): aggregate each in its own subquery, then join those to the products.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
