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
    # BEGIN SOLUTION
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    if config:
        app.config.from_mapping(config)  # before init_app, which reads SQLALCHEMY_DATABASE_URI
    db.init_app(app)
    app.register_blueprint(bp)
    return app
    # END SOLUTION


# -- task 2 -----------------------------------------------------------------------------------------


@bp.get("/posts/<int:post_id>")
def read_post(post_id: int) -> dict[str, Any]:
    """The post as JSON (post_json), or 404."""
    # BEGIN SOLUTION
    return post_json(db.get_or_404(Post, post_id))
    # END SOLUTION


@bp.delete("/posts/<int:post_id>")
def delete_post(post_id: int) -> tuple[str, int]:
    """Delete the post and commit: 204 with an empty body; 404 if there is no such post."""
    # BEGIN SOLUTION
    db.session.delete(db.get_or_404(Post, post_id))
    db.session.commit()
    return "", 204
    # END SOLUTION


# -- task 3 -----------------------------------------------------------------------------------------


@bp.get("/posts")
def list_posts() -> dict[str, Any]:
    """One page of the posts, newest first (by `published`, then by id, highest first):
    `{"items": [post_json...], "page": n, "pages": n, "total": n}`. The query args `page` (from 1) and
    `per_page` (default: the app's POSTS_PER_PAGE, at most 50) choose it; a page past the end, a
    page or per_page below 1, or one that is not a number, is 404. The database does the paging."""
    # BEGIN SOLUTION
    page = db.paginate(
        # The id breaks ties between posts of the same day: without it a post could be on two pages.
        select(Post).order_by(Post.published.desc(), Post.id.desc()),
        per_page=request.args.get("per_page", current_app.config["POSTS_PER_PAGE"], type=int),
        max_per_page=50,
    )
    return {
        "items": [post_json(p) for p in page.items],
        "page": page.page,
        "pages": page.pages,
        "total": page.total,
    }
    # END SOLUTION


# -- task 4 -----------------------------------------------------------------------------------------


@bp.post("/posts")
def create_post() -> tuple[dict[str, Any], int]:
    """Create a post from the JSON body {"title", "body", "author_id", "published" (YYYY-MM-DD)} and commit:
    201 with post_json. The title is stripped and must then have 1 to 200 characters, and body must be a
    string, author_id a number, published a date: else 400 {"error": "..."}. An unknown author_id is 404."""
    # BEGIN SOLUTION
    data = request.get_json(silent=True) or {}
    title, body = data.get("title"), data.get("body")
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= 200:
        return {"error": "title must have 1 to 200 characters"}, 400
    if not isinstance(body, str):
        return {"error": "body must be a string"}, 400
    try:
        published = dt.date.fromisoformat(str(data.get("published")))
    except ValueError:
        return {"error": "published must be a date, YYYY-MM-DD"}, 400
    author_id = data.get("author_id")
    if not isinstance(author_id, int):
        return {"error": "author_id must be a number"}, 400
    author = db.get_or_404(Author, author_id)
    post = Post(title=title.strip(), body=body, published=published, author=author)
    db.session.add(post)
    db.session.commit()
    return post_json(post), 201
    # END SOLUTION
