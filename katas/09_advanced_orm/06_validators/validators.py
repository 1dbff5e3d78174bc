"""Kata 9.6: validators — @validates normalises values and refuses bad ones, for attributes and collections.

An online shop's customers and orders. Whatever code path sets an attribute (the constructor, an
assignment, a form handler, a backref), the model itself cleans the value up or refuses it with a
ValueError whose message names the field and the bad value, at once, before anything reaches the
database. The columns and relationships are given; write the validators' bodies.
"""

from __future__ import annotations

import re

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

COUNTRIES = frozenset({"BE", "DE", "ES", "FR", "GB", "IE", "IT", "NL", "PT", "US"})


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    orders: Mapped[list[Order]] = relationship(back_populates="customer")

    @validates("email")
    def _validate_email(self, key: str, value: str) -> str:
        """Strip spaces around it and lower-case it. Refuse (ValueError naming 'email' and the value)
        anything but: one '@', a non-empty part before it without spaces, and a domain with a '.'
        inside it (not first, not last), without spaces."""
        return value  # TODO: normalise, or refuse

    @validates("name", "phone")
    def _validate_name_and_phone(self, key: str, value: str | None) -> str | None:
        """One validator for two fields (`key` says which).

        name: inner runs of whitespace become one space, none at the ends; empty -> ValueError.
        phone: None stays None; else spaces, dashes, dots and parentheses are removed, and the
        result must be '+' followed by 8 to 15 digits ('+33 6 12-34-56-78' -> '+33612345678'),
        else ValueError naming 'phone' and the value.
        """
        return value  # TODO: normalise, or refuse

    @validates("country")
    def _validate_country(self, key: str, value: str) -> str:
        """Upper-case, spaces stripped; must be one of COUNTRIES, else ValueError naming 'country'."""
        return value  # TODO: normalise, or refuse


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")  # 'open' or 'shipped'
    customer: Mapped[Customer] = relationship(back_populates="orders")
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", cascade="all, delete-orphan")

    @validates("lines", include_removes=True)
    def _validate_lines(self, key: str, line: OrderLine, is_remove: bool) -> OrderLine:
        """Runs for every line added to or removed from `lines` (append, remove, a list assigned, or
        `line.order = order`). A 'shipped' order refuses both (ValueError naming 'lines'); an open
        order refuses a line whose product_sku is already on another of its lines."""
        return line  # TODO: refuse what the docstring says


class OrderLine(Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    product_sku: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int]
    order: Mapped[Order] = relationship(back_populates="lines")

    @validates("product_sku")
    def _validate_sku(self, key: str, value: str) -> str:
        """Upper-case, spaces stripped ('  tea-01 ' -> 'TEA-01'); empty -> ValueError naming 'product_sku'."""
        return value  # TODO: normalise, or refuse

    @validates("quantity")
    def _validate_quantity(self, key: str, value: int) -> int:
        """A whole number from 1 to 999 (a bool is not a number here), else ValueError naming 'quantity'."""
        return value  # TODO: refuse what the docstring says
