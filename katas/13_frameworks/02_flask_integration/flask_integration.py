"""Kata 13.2: Flask-SQLAlchemy with an application factory, db.Model models, get_or_404 and db.paginate.

The extension object, the models and the blueprint are given. You write the factory and the views.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Flask, current_app, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


# One extension object for every app the factory makes: it is bound to an app by init_app(), and its
# db.session is a scoped session, one per app context (so one per request), removed when that ends.
db = SQLAlchemy(model_class=Base)


class Author(db.Model):  # type: ignore[name-defined,misc]  # db.Model is made at runtime
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    posts: Mapped[list[Post]] = relationship(back_populates="author")


class Post(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    published: Mapped[dt.date]
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author] = relationship(back_populates="posts")


def post_json(post: Post) -> dict[str, Any]:
    return {
        "id": post.id,
        "title": post.title,
        "body": post.body,
        "published": post.published.isoformat(),
        "author_id": post.author_id,
    }


DEFAULTS = {
    "SQLALCHEMY_DATABASE_URI": "sqlite:///blog.db",
    "POSTS_PER_PAGE": 10,  # a page's size when the request does not say
}

bp = Blueprint("blog", __name__)


# -- task 1 -----------------------------------------------------------------------------------------


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application factory: a NEW Flask app with DEFAULTS, overridden by `config`; the extension
    bound to it (db.init_app) and the blueprint `bp` registered."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# -- task 2 -----------------------------------------------------------------------------------------


@bp.get("/posts/<int:post_id>")
def read_post(post_id: int) -> dict[str, Any]:
    """The post as JSON (post_json), or 404."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


@bp.delete("/posts/<int:post_id>")
def delete_post(post_id: int) -> tuple[str, int]:
    """Delete the post and commit: 204 with an empty body; 404 if there is no such post."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# -- task 3 -----------------------------------------------------------------------------------------


@bp.get("/posts")
def list_posts() -> dict[str, Any]:
    """One page of the posts, newest first (by `published`, then by id, highest first):
    `{"items": [post_json...], "page": n, "pages": n, "total": n}`. The query args `page` (from 1) and
    `per_page` (default: the app's POSTS_PER_PAGE, at most 50) choose it; a page past the end, a
    page or per_page below 1, or one that is not a number, is 404. The database does the paging."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# -- task 4 -----------------------------------------------------------------------------------------


@bp.post("/posts")
def create_post() -> tuple[dict[str, Any], int]:
    """Create a post from the JSON body {"title", "body", "author_id", "published" (YYYY-MM-DD)} and commit:
    201 with post_json. The title is stripped and must then have 1 to 200 characters, and body must be a
    string, author_id a number, published a date: else 400 {"error": "..."}. An unknown author_id is 404."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
