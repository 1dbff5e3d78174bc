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


# BEGIN SOLUTION
class ProductIn(BaseModel):
    """A new product: sku of 3 to 20 characters A-Z, 0-9 or '-'; name of 1 to 100 characters;
    price_cents >= 0; stock >= 0 (0 when left out). Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    sku: str = Field(pattern=r"^[A-Z0-9-]{3,20}$")
    name: str = Field(min_length=1, max_length=100)
    price_cents: int = Field(ge=0)
    stock: int = Field(default=0, ge=0)


class ProductPatch(BaseModel):
    """A change: name and/or price_cents, with the same rules; nothing else may be changed."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    price_cents: int | None = Field(default=None, ge=0)


# END SOLUTION
# BEGIN STUB
# class ProductIn(BaseModel):
#     """A new product: sku of 3 to 20 characters A-Z, 0-9 or '-'; name of 1 to 100 characters;
#     price_cents >= 0; stock >= 0 (0 when left out). Unknown fields are refused."""
#
#     sku: str  # TODO (task 2): the rules above
#     name: str
#     price_cents: int
#     stock: int = 0
#
#
# class ProductPatch(BaseModel):
#     """A change: name and/or price_cents, with the same rules; nothing else may be changed."""
#
#     name: str | None = None  # TODO (task 4): the rules above
#     price_cents: int | None = None
# END STUB


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
    # BEGIN SOLUTION
    engine = create_async_engine(app.state.database_url)
    app.state.sessions = async_sessionmaker(engine, expire_on_commit=False)
    # END SOLUTION
    yield
    # BEGIN SOLUTION
    await engine.dispose()
    # END SOLUTION


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A new AsyncSession per request, closed after the response."""
    # BEGIN SOLUTION
    async with request.app.state.sessions() as session:
        yield session
    # END SOLUTION


SessionDep = Annotated[AsyncSession, Depends(get_session)]
router = APIRouter(prefix="/products")


async def get_product_or_404(session: AsyncSession, product_id: int) -> Product:
    """The product, or HTTPException 404 "product not found"."""
    # BEGIN SOLUTION
    product = await session.get(Product, product_id)
    if product is None:
        raise HTTPException(status_code=404, detail="product not found")
    return product
    # END SOLUTION


# -- the routes -----------------------------------------------------------------------------------


@router.post("", status_code=201, response_model=ProductOut)
async def create_product(data: ProductIn, session: SessionDep) -> Product:
    """Create and commit the product; a sku that exists already answers 409 "sku already exists"
    — also when two requests race to create the same sku."""
    # BEGIN SOLUTION
    product = Product(**data.model_dump())
    session.add(product)
    try:
        await session.commit()
    except IntegrityError:
        # The unique constraint decides, not a SELECT beforehand: two concurrent requests could
        # both see "no such sku" and both insert.
        await session.rollback()
        raise HTTPException(status_code=409, detail="sku already exists") from None
    return product
    # END SOLUTION


@router.get("/{product_id}", response_model=ProductOut)
async def read_product(product_id: int, session: SessionDep) -> Product:
    """The product, or 404 "product not found"."""
    # BEGIN SOLUTION
    return await get_product_or_404(session, product_id)
    # END SOLUTION


@router.get("", response_model=ProductPage)
async def list_products(
    session: SessionDep,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ProductPage:
    """Page `page` (1 is the first) of the products sorted by sku, `size` to a page, and the total."""
    # BEGIN SOLUTION
    total = await session.scalar(select(func.count()).select_from(Product))
    products = await session.scalars(
        select(Product).order_by(Product.sku).limit(size).offset((page - 1) * size)
    )
    items = [ProductOut.model_validate(product) for product in products]
    return ProductPage(items=items, total=total or 0, page=page, size=size)
    # END SOLUTION


@router.patch("/{product_id}", response_model=ProductOut)
async def update_product(product_id: int, data: ProductPatch, session: SessionDep) -> Product:
    """Change only the fields the request sent, commit, and return the product (404 if unknown)."""
    # BEGIN SOLUTION
    product = await get_product_or_404(session, product_id)
    # exclude_unset: a field the client left out is not "set to None", it is left alone.
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(product, field, value)
    await session.commit()
    return product
    # END SOLUTION


@router.delete("/{product_id}", status_code=204)
async def delete_product(product_id: int, session: SessionDep) -> Response:
    """Delete the product: 204 with no body, or 404 if unknown."""
    # BEGIN SOLUTION
    product = await get_product_or_404(session, product_id)
    await session.delete(product)  # AsyncSession.delete() is a coroutine
    await session.commit()
    return Response(status_code=204)
    # END SOLUTION


@router.post("/{product_id}/stock", response_model=StockOut)
async def change_stock(product_id: int, change: StockChange, session: SessionDep) -> StockOut:
    """Add `delta` to the product's stock and return the new stock. 404 if unknown; 409 "not
    enough stock" if the stock would drop below 0 (and then nothing changes). Concurrent requests
    must neither lose an update nor sell stock that is not there.
    """
    # BEGIN SOLUTION
    # One UPDATE computed by the database, with the condition in its WHERE: the row lock makes
    # concurrent changes queue up, and each one sees the stock the previous one left. A read
    # followed by a write in Python would lose updates, or oversell.
    new_stock = await session.scalar(
        update(Product)
        .where(Product.id == product_id, Product.stock + change.delta >= 0)
        .values(stock=Product.stock + change.delta)
        .returning(Product.stock)
    )
    if new_stock is None:  # no row changed: unknown product, or not enough stock
        await session.rollback()
        await get_product_or_404(session, product_id)
        raise HTTPException(status_code=409, detail="not enough stock")
    await session.commit()
    return StockOut(id=product_id, stock=new_stock)
    # END SOLUTION


def create_app(database_url: str) -> FastAPI:
    """The app factory: the lifespan makes the engine from this async URL."""
    app = FastAPI(title="Shop", lifespan=lifespan)
    app.state.database_url = database_url
    app.include_router(router)
    return app
