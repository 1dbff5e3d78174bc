"""Kata 13.3: a pure ASGI middleware that gives every HTTP request its own Session, and ends it.

The model and the endpoints are given: they use `request.state.db` and never commit. You write the
middleware (open, commit or roll back, close) and the app factory that installs it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    quantity: Mapped[int]


# -- the middleware ---------------------------------------------------------------------------------


class DbSessionMiddleware:
    """Gives each HTTP request a Session of its own, as `request.state.db`.

    When the response starts, and before it goes any further: commit if its status is below 400,
    roll back otherwise. If the app raises instead, roll back and let the exception go on. Close the
    session when the request is done, whatever happened. Other scopes (lifespan, websocket) pass
    through untouched, with no session.
    """

    def __init__(self, app: ASGIApp, sessions: sessionmaker[Session]) -> None:
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError


# -- the endpoints (given) ------------------------------------------------------------------------------


def db(request: Request) -> Session:
    session: Session = request.state.db
    return session


async def list_items(request: Request) -> JSONResponse:
    items = db(request).scalars(select(Item).order_by(Item.name))
    return JSONResponse([{"name": item.name, "quantity": item.quantity} for item in items])


async def add_item(request: Request) -> Response:
    """Adds the item and answers 201 at once (or 303 to the list with `?then=list`): the INSERT, and a
    taken name's IntegrityError, come at commit."""
    data: dict[str, Any] = await request.json()
    db(request).add(Item(name=data["name"], quantity=data["quantity"]))
    if request.query_params.get("then") == "list":
        return RedirectResponse("/items", status_code=303)
    return JSONResponse({"name": data["name"]}, status_code=201)


async def restock(request: Request) -> JSONResponse:
    """Adds quantities to several items; 404 for an unknown name, 400 for a quantity below 1, after the
    earlier items were changed."""
    session = db(request)
    for line in await request.json():
        if line["quantity"] < 1:
            return JSONResponse({"detail": "quantities must be positive"}, status_code=400)
        item = session.scalars(select(Item).where(Item.name == line["name"])).one_or_none()
        if item is None:
            return JSONResponse({"detail": f"no item {line['name']!r}"}, status_code=404)
        item.quantity += line["quantity"]
    return JSONResponse({"restocked": len(session.dirty)})


async def sell(request: Request) -> JSONResponse:
    """Takes `quantity` off the stock; 409 (an HTTPException) when there is not enough, after the UPDATE."""
    session = db(request)
    data = await request.json()
    item = session.scalars(select(Item).where(Item.name == request.path_params["name"])).one()
    item.quantity -= data["quantity"]
    session.flush()
    if item.quantity < 0:
        raise HTTPException(status_code=409, detail="not enough stock")
    return JSONResponse({"name": item.name, "quantity": item.quantity})


async def explode(request: Request) -> JSONResponse:
    """Stores an item, then fails with an exception (a bug): the server answers 500."""
    session = db(request)
    session.add(Item(name=request.path_params["name"], quantity=1))
    session.flush()
    raise RuntimeError("the endpoint crashed after its INSERT")


ROUTES = [
    Route("/items", list_items, methods=["GET"]),
    Route("/items", add_item, methods=["POST"]),
    Route("/items/restock", restock, methods=["POST"]),
    Route("/items/{name}/sell", sell, methods=["POST"]),
    Route("/items/{name}/explode", explode, methods=["POST"]),
]


def create_app(sessions: sessionmaker[Session]) -> Starlette:
    """A Starlette app with ROUTES, and DbSessionMiddleware installed with `sessions`."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
