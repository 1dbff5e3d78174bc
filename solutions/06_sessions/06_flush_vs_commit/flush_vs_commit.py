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
    # BEGIN SOLUTION
    product = Product(sku=sku, name=name, price_cents=price_cents, category_id=category_id)
    session.add(product)
    # flush(): the INSERT runs inside the open transaction and the product gets its id. Visible to
    # this transaction's queries, invisible to every other connection until the commit.
    session.flush()
    session.add(AuditEntry(product_id=product.id, action="created"))
    return product
    # END SOLUTION


def apply_discounts(session: Session, discounts: Mapping[str, int]) -> None:
    """Lower the price of each product (sku -> cents off), in the mapping's order, and commit.

    A discount larger than the price is refused by the database (CHECK price_cents >= 0). Then
    nothing may change at all, not even the discounts already applied: roll back and raise
    ValueError whose message names the sku of the refused discount.
    """
    # BEGIN SOLUTION
    for sku, cents in discounts.items():
        product = session.scalars(select(Product).where(Product.sku == sku)).one()
        product.price_cents -= cents
        try:
            session.flush()  # one flush per product: the error tells which discount failed
        except IntegrityError:
            # Undoes every UPDATE flushed so far, not only the failed one, and expires the objects.
            session.rollback()
            raise ValueError(f"the discount on {sku} is larger than its price") from None
    session.commit()
    # END SOLUTION


def assign_categories(session: Session, assignments: Sequence[tuple[Product, str]]) -> None:
    """The products given are pending (added, not flushed) and have no category yet (their
    category_id is NULL, which the database refuses). Set each one's category_id to the id of the
    category with that name (LookupError for an unknown name), then flush them all. Do not commit.
    """
    # BEGIN SOLUTION
    # Each select() would autoflush the pending products first, NULL category and all.
    with session.no_autoflush:
        for product, category_name in assignments:
            category_id = session.scalars(select(Category.id).where(Category.name == category_name)).one_or_none()
            if category_id is None:
                raise LookupError(f"no category named {category_name!r}")
            product.category_id = category_id
    session.flush()
    # END SOLUTION
