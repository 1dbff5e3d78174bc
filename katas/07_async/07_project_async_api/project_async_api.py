"""Kata 7.7 (project): an async CRUD API for the shop's products, safe under concurrent requests.

Given: the Product model, the response schemas, the app factory and the routes' signatures.
You write: the lifespan and the session dependency, the input schemas' rules, and the handlers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import CheckConstraint, String, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (CheckConstraint("stock >= 0", name="stock_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    price_cents: Mapped[int]
    stock: Mapped[int] = mapped_column(default=0)


# -- schemas ------------------------------------------------------------------------------------


class ProductIn(BaseModel):
    """A new product: sku of 3 to 20 characters A-Z, 0-9 or '-'; name of 1 to 100 characters;
    price_cents >= 0; stock >= 0 (0 when left out). Unknown fields are refused."""

    sku: str  # TODO (task 2): the rules above
    name: str
    price_cents: int
    stock: int = 0


class ProductPatch(BaseModel):
    """A change: name and/or price_cents, with the same rules; nothing else may be changed."""

    name: str | None = None  # TODO (task 4): the rules above
    price_cents: int | None = None


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sku: str
    name: str
    price_cents: int
    stock: int


class ProductPage(BaseModel):
    items: list[ProductOut]
    total: int
    page: int
    size: int


class StockChange(BaseModel):
    delta: int  # units received (> 0) or sold (< 0)


class StockOut(BaseModel):
    id: int
    stock: int


# -- the engine and the sessions -------------------------------------------------------------


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """One AsyncEngine on app.state.database_url for the app's life, and a sessionmaker on
    app.state; the engine is disposed of at shutdown."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
    yield
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A new AsyncSession per request, closed after the response."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


SessionDep = Annotated[AsyncSession, Depends(get_session)]
router = APIRouter(prefix="/products")


async def get_product_or_404(session: AsyncSession, product_id: int) -> Product:
    """The product, or HTTPException 404 "product not found"."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# -- the routes -----------------------------------------------------------------------------------


@router.post("", status_code=201, response_model=ProductOut)
async def create_product(data: ProductIn, session: SessionDep) -> Product:
    """Create and commit the product; a sku that exists already answers 409 "sku already exists"
    — also when two requests race to create the same sku."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


@router.get("/{product_id}", response_model=ProductOut)
async def read_product(product_id: int, session: SessionDep) -> Product:
    """The product, or 404 "product not found"."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


@router.get("", response_model=ProductPage)
async def list_products(
    session: SessionDep,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ProductPage:
    """Page `page` (1 is the first) of the products sorted by sku, `size` to a page, and the total."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


@router.patch("/{product_id}", response_model=ProductOut)
async def update_product(product_id: int, data: ProductPatch, session: SessionDep) -> Product:
    """Change only the fields the request sent, commit, and return the product (404 if unknown)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


@router.delete("/{product_id}", status_code=204)
async def delete_product(product_id: int, session: SessionDep) -> Response:
    """Delete the product: 204 with no body, or 404 if unknown."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


@router.post("/{product_id}/stock", response_model=StockOut)
async def change_stock(product_id: int, change: StockChange, session: SessionDep) -> StockOut:
    """Add `delta` to the product's stock and return the new stock. 404 if unknown; 409 "not
    enough stock" if the stock would drop below 0 (and then nothing changes). Concurrent requests
    must neither lose an update nor sell stock that is not there.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def create_app(database_url: str) -> FastAPI:
    """The app factory: the lifespan makes the engine from this async URL."""
    app = FastAPI(title="Shop", lifespan=lifespan)
    app.state.database_url = database_url
    app.include_router(router)
    return app
