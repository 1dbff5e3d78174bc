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
    # BEGIN SOLUTION
    if redis_url is None:
        # memory_pickle, not memory: "memory" keeps the live ORM objects, which the first
        # session's commit() expires; reading them later would send SQL again.
        return make_region().configure("dogpile.cache.memory_pickle", expiration_time=600)
    return make_region(key_mangler=lambda key: key_prefix + key).configure(
        "dogpile.cache.redis",
        expiration_time=600,
        arguments={"url": redis_url, "distributed_lock": True, "thread_local_lock": False},
    )
    # END SOLUTION


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
    # BEGIN SOLUTION

    @event.listens_for(session, "do_orm_execute", retval=True)
    def serve_from_cache(orm_context: ORMExecuteState) -> Any:
        option = next((o for o in orm_context.user_defined_options if isinstance(o, FromCache)), None)
        if option is None:
            return None  # not ours: the statement runs as usual

        def run_statement() -> Any:
            # freeze(): a FrozenResult holds the rows as plain data, so it can be pickled.
            return orm_context.invoke_statement().freeze()

        frozen = region.get_or_create(option.key, run_statement)
        if frozen is NO_VALUE:  # pragma: no cover - get_or_create always produces a value
            return None
        # merge the cached rows into this session as objects, without asking the database (load=False).
        merged = loading.merge_frozen_result(  # type: ignore[no-untyped-call]
            orm_context.session, orm_context.statement, frozen, load=False
        )
        return merged()

    # END SOLUTION


def products_in_category(session: Session, category: str) -> list[Product]:
    """The category's products, by name then id, served from the cache under category_key(category)."""
    # BEGIN SOLUTION
    statement = (
        select(Product)
        .where(Product.category == category)
        .order_by(Product.name, Product.id)
        .options(FromCache(category_key(category)))
    )
    return list(session.scalars(statement))
    # END SOLUTION


def rename_product(session: Session, region: CacheRegion, product_id: int, new_name: str) -> None:
    """Rename one product and commit; then drop the ONE cached list that showed the old name (its
    category's), and no other: the other categories stay cached.
    """
    # BEGIN SOLUTION
    category = session.scalar(select(Product.category).where(Product.id == product_id))
    session.execute(update(Product).where(Product.id == product_id).values(name=new_name))
    session.commit()
    if category is not None:
        # After the commit: a reader that refilled the key before it would have cached the old row.
        region.delete(category_key(category))
    # END SOLUTION
