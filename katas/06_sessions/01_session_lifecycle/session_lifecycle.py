"""Kata 6.1: the life of an object in a Session — states, flush, expiry, refresh, expunge.

The model is given (do not change it). No function commits: the caller owns the transaction.
"""

from __future__ import annotations

from sqlalchemy import String, inspect
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    price_cents: Mapped[int]


def lifecycle_state(obj: object) -> str:
    """Return the state of a mapped object in its life with a Session, as one word:
    'transient', 'pending', 'persistent', 'deleted' or 'detached'.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def add_product(session: Session, sku: str, name: str, price_cents: int) -> Product:
    """Create a Product, put it into the session and have its INSERT sent now, so that the
    product has its database id when this returns. Do not commit: the caller decides.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def mark_price_stale(session: Session, product: Product) -> None:
    """Another program has just changed this product's price in the database. Make the session
    forget the price it holds (only the price: the other attributes and objects stay loaded),
    so that the next read of `product.price_cents` loads it again. Send no SQL now.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def reload_price(session: Session, product: Product) -> int:
    """Load the product's price from the database now (one SELECT), replacing the value the
    object holds, even an unflushed change to it; return the price.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def detach_for_cache(session: Session, product: Product) -> Product:
    """Take the product out of the session (detached) so that it can be kept in a cache and read
    after the session has closed: every column attribute must be loaded when it leaves, even if it
    was expired. The session keeps every other object it holds. Return the product.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
