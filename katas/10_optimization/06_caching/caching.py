"""Kata 10.6: caching — ORM query results in a dogpile.cache region, served without SQL, invalidated on write.

The catalogue's category pages run the same query thousands of times an hour, and the products
change a few times a day. This module keeps the results of chosen statements in a dogpile.cache
region, through the session's `do_orm_execute` event (a small version of SQLAlchemy's
examples/dogpile_caching), and drops a cached result when a write makes it wrong.
"""

from __future__ import annotations

from typing import Any

from dogpile.cache import CacheRegion, make_region
from dogpile.cache.api import NO_VALUE
from sqlalchemy import String, event, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, ORMExecuteState, Session, loading, mapped_column
from sqlalchemy.orm.interfaces import UserDefinedOption


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(50))
    price_cents: Mapped[int]


def category_key(category: str) -> str:
    """The cache key of one category's product list."""
    return f"products:category:{category}"


def build_region(redis_url: str | None = None, key_prefix: str = "") -> CacheRegion:
    """A new dogpile.cache region whose entries expire after 10 minutes.

    Without `redis_url`: an in-process backend that stores COPIES of the values (pickled), so a
    cached result never shares live objects with the session that produced it. With `redis_url`:
    the Redis backend on that URL, every key prefixed with `key_prefix` (so that tests, or two
    apps, sharing one Redis do not see each other's entries).
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


class FromCache(UserDefinedOption):
    """A statement option: `select(...).options(FromCache("some key"))` asks for the result to be
    served from the cache under that key (and stored there on a miss)."""

    # Only the statement it is given to: not the lazy loads of the objects it returns.
    propagate_to_loaders = False

    def __init__(self, key: str) -> None:
        self.key = key


def install_cache(session: Session, region: CacheRegion) -> None:
    """Make `session` serve every statement that carries a FromCache option from `region`.

    On a miss, run the statement and store its result under the option's key; on a hit, send no
    SQL and hand back the cached rows, with their objects attached to `session`. Statements
    without the option are run as usual.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def products_in_category(session: Session, category: str) -> list[Product]:
    """The category's products, by name then id, served from the cache under category_key(category)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def rename_product(session: Session, region: CacheRegion, product_id: int, new_name: str) -> None:
    """Rename one product and commit; then drop the ONE cached list that showed the old name (its
    category's), and no other: the other categories stay cached.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
