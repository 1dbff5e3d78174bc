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
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def make_importer_sessions(engine: Engine) -> sessionmaker[Session]:
    """Return the nightly importer's session factory: bound to `engine`, and its sessions never
    flush on their own before a query (the importer builds objects in several steps and queries
    in between; it flushes when they are complete). Everything else keeps SQLAlchemy's defaults.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def create_product(sessions: sessionmaker[Session], sku: str, name: str, price_cents: int) -> Product:
    """Insert one product in a transaction of its own, committed when this returns; return it.

    On an error (a duplicate sku: IntegrityError) the error propagates, nothing is committed, and
    the session is closed either way.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def rename_products(sessions: sessionmaker[Session], renames: Mapping[str, str]) -> None:
    """Give the products with these skus (keys) their new names (values), all in ONE transaction:
    if a sku is unknown, raise LookupError and rename none of them. The session is closed either way.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
