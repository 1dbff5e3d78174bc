"""Kata 6.6: flush versus commit — what a flush makes visible, what a rollback undoes, autoflush.

The models are given (do not change them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import CheckConstraint, ForeignKey, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (CheckConstraint("price_cents >= 0", name="price_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    price_cents: Mapped[int]
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))  # NOT NULL


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))  # NOT NULL
    action: Mapped[str] = mapped_column(String(20))


def add_with_audit(session: Session, sku: str, name: str, price_cents: int, category_id: int) -> Product:
    """Add a product and an AuditEntry(product_id=<the new product's id>, action='created').

    (There is no relationship() between them: the entry needs the product's id.) Do not commit:
    the caller commits both, or rolls both back. Return the product.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def apply_discounts(session: Session, discounts: Mapping[str, int]) -> None:
    """Lower the price of each product (sku -> cents off), in the mapping's order, and commit.

    A discount larger than the price is refused by the database (CHECK price_cents >= 0). Then
    nothing may change at all, not even the discounts already applied: roll back and raise
    ValueError whose message names the sku of the refused discount.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def assign_categories(session: Session, assignments: Sequence[tuple[Product, str]]) -> None:
    """The products given are pending (added, not flushed) and have no category yet (their
    category_id is NULL, which the database refuses). Set each one's category_id to the id of the
    category with that name (LookupError for an unknown name), then flush them all. Do not commit.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
