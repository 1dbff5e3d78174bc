"""Kata 6.2: sessionmaker — a configured session factory, and sessionmaker.begin().

The model is given (do not change it).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Engine, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    price_cents: Mapped[int]


def make_api_sessions(engine: Engine) -> sessionmaker[Session]:
    """Return the web API's session factory: every session it makes is bound to `engine`, and
    objects keep their loaded attributes after a commit (the API serialises them after committing,
    often after the session has closed). Everything else keeps SQLAlchemy's defaults.
    """
    # BEGIN SOLUTION
    # One factory per application, made once at start-up; each call makes a new Session.
    return sessionmaker(bind=engine, expire_on_commit=False)
    # END SOLUTION


def make_importer_sessions(engine: Engine) -> sessionmaker[Session]:
    """Return the nightly importer's session factory: bound to `engine`, and its sessions never
    flush on their own before a query (the importer builds objects in several steps and queries
    in between; it flushes when they are complete). Everything else keeps SQLAlchemy's defaults.
    """
    # BEGIN SOLUTION
    return sessionmaker(bind=engine, autoflush=False)
    # END SOLUTION


def create_product(sessions: sessionmaker[Session], sku: str, name: str, price_cents: int) -> Product:
    """Insert one product in a transaction of its own, committed when this returns; return it.

    On an error (a duplicate sku: IntegrityError) the error propagates, nothing is committed, and
    the session is closed either way.
    """
    # BEGIN SOLUTION
    # sessionmaker.begin(): a new session AND its transaction; commit at the end of the block,
    # rollback if it raises, close in both cases.
    with sessions.begin() as session:
        product = Product(sku=sku, name=name, price_cents=price_cents)
        session.add(product)
    return product
    # END SOLUTION


def rename_products(sessions: sessionmaker[Session], renames: Mapping[str, str]) -> None:
    """Give the products with these skus (keys) their new names (values), all in ONE transaction:
    if a sku is unknown, raise LookupError and rename none of them. The session is closed either way.
    """
    # BEGIN SOLUTION
    with sessions.begin() as session:
        for sku, new_name in renames.items():
            product = session.scalars(select(Product).where(Product.sku == sku)).one_or_none()
            if product is None:
                # Raising inside the block rolls back the renames already made in it.
                raise LookupError(f"no product with sku {sku!r}")
            product.name = new_name
    # END SOLUTION
