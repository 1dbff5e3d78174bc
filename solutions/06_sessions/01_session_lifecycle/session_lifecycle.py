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
    # BEGIN SOLUTION
    state = inspect(obj)  # an InstanceState: one flag per state, exactly one is True
    for name in ("transient", "pending", "persistent", "deleted", "detached"):
        if getattr(state, name):
            return name
    raise AssertionError(f"no state for {obj!r}")  # unreachable for a mapped object
    # END SOLUTION


def add_product(session: Session, sku: str, name: str, price_cents: int) -> Product:
    """Create a Product, put it into the session and have its INSERT sent now, so that the
    product has its database id when this returns. Do not commit: the caller decides.
    """
    # BEGIN SOLUTION
    product = Product(sku=sku, name=name, price_cents=price_cents)  # transient
    session.add(product)  # pending: the session knows it, the database does not
    session.flush()  # persistent: INSERT sent inside the open transaction, id assigned
    return product
    # END SOLUTION


def mark_price_stale(session: Session, product: Product) -> None:
    """Another program has just changed this product's price in the database. Make the session
    forget the price it holds (only the price: the other attributes and objects stay loaded),
    so that the next read of `product.price_cents` loads it again. Send no SQL now.
    """
    # BEGIN SOLUTION
    session.expire(product, ["price_cents"])  # lazy: the SELECT happens at the next read
    # END SOLUTION


def reload_price(session: Session, product: Product) -> int:
    """Load the product's price from the database now (one SELECT), replacing the value the
    object holds, even an unflushed change to it; return the price.
    """
    # BEGIN SOLUTION
    session.refresh(product, ["price_cents"])  # eager: the SELECT happens here, the value is replaced
    return product.price_cents
    # END SOLUTION


def detach_for_cache(session: Session, product: Product) -> Product:
    """Take the product out of the session (detached) so that it can be kept in a cache and read
    after the session has closed: every column attribute must be loaded when it leaves, even if it
    was expired. The session keeps every other object it holds. Return the product.
    """
    # BEGIN SOLUTION
    # Expired attributes (after a commit, for instance) can only be loaded while the object is in a
    # session: load them first, or reading them later raises DetachedInstanceError.
    if inspect(product).expired_attributes:
        session.refresh(product)
    session.expunge(product)  # detached: only this object leaves the session
    return product
    # END SOLUTION
