"""Tests for kata 9.5, mixins. Run: pytest katas/09_advanced_orm/05_mixins

Every test declares its own models (with a fresh declarative Base) that use the learner's mixins.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from sqlalchemy import String, inspect, select, text
from sqlalchemy.exc import ArgumentError, InvalidRequestError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from fixtures.target import learner_module

mixins = learner_module(__file__, "mixins")
IMPORTED_AT = time.monotonic()  # the learner's module was imported (its class bodies run) just before

T = TypeVar("T")
OLD = datetime.datetime(2001, 1, 1, 12, 0, 0)


def declare(build: Callable[[], T], what: str) -> T:
    """Declare test models; a mixin that cannot be mapped fails with a sentence, not a traceback."""
    try:
        return build()
    except (InvalidRequestError, ArgumentError, AttributeError, TypeError) as error:
        problem = f"{type(error).__name__}: {error}"
    pytest.fail(f"declaring {what} with your mixins failed: {problem}", pytrace=False)


def naive(value: Any) -> datetime.datetime:
    """A stored timestamp as a naive datetime (SQLite returns text or naive values, PostgreSQL aware ones)."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    assert isinstance(value, datetime.datetime), f"expected a timestamp, got {value!r}"
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC)
    return value.replace(tzinfo=None)


def not_before(session: Session) -> datetime.datetime:
    """A (naive, UTC) time no correct "now" of an INSERT sent after this call can be earlier than, and
    that a value computed once, when the class body ran at import, IS earlier than."""
    remaining = 1.1 - (time.monotonic() - IMPORTED_AT)
    if remaining > 0:
        time.sleep(remaining)  # so that the import lies in an earlier second than this test
    if session.connection().dialect.name == "postgresql":
        return naive(session.scalar(text("SELECT now()")))  # now() is the transaction's start
    # SQLite's CURRENT_TIMESTAMP keeps whole seconds only.
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)


def raw_row(session: Session, table: str, row_id: int) -> dict[str, Any]:
    return dict(session.execute(text(f"SELECT * FROM {table} WHERE id = :id"), {"id": row_id}).mappings().one())


# -- task 1: __tablename__ ----------------------------------------------------------------------


@pytest.mark.task(1)
def test_table_names_come_from_the_class_names(session: Session) -> None:
    def build() -> dict[str, Any]:
        class Base(DeclarativeBase):
            pass

        class Book(mixins.TablenameMixin, Base):
            id: Mapped[int] = mapped_column(primary_key=True)

        class InvoiceLine(mixins.TablenameMixin, Base):
            id: Mapped[int] = mapped_column(primary_key=True)

        class BlogPostTag(mixins.TablenameMixin, Base):
            id: Mapped[int] = mapped_column(primary_key=True)

        Base.metadata.create_all(session.connection())
        return {cls.__name__: cls.__table__.name for cls in (Book, InvoiceLine, BlogPostTag)}

    names = declare(build, "Book, InvoiceLine and BlogPostTag")
    expected = {"Book": "books", "InvoiceLine": "invoice_lines", "BlogPostTag": "blog_post_tags"}
    assert names == expected, f"table names should be snake_case plural of the class names: expected {expected}, got {names}"
    tables = set(inspect(session.connection()).get_table_names())
    assert set(expected.values()) <= tables, f"the tables {sorted(expected.values())} should exist, found {sorted(tables)}"


@pytest.mark.task(1)
def test_a_single_table_subclass_stays_in_its_parents_table(session: Session) -> None:
    def build() -> tuple[Any, Any]:
        class Base(DeclarativeBase):
            pass

        class StaffMember(mixins.TablenameMixin, Base):
            id: Mapped[int] = mapped_column(primary_key=True)
            kind: Mapped[str] = mapped_column(String(20))
            __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "staff"}

        class Admin(StaffMember):
            level: Mapped[int | None] = mapped_column(default=None)
            __mapper_args__ = {"polymorphic_identity": "admin"}

        Base.metadata.create_all(session.connection())
        return StaffMember, Admin

    staff, admin = declare(build, "StaffMember and its single-table subclass Admin")
    assert staff.__table__.name == "staff_members", f"StaffMember's table should be staff_members, not {staff.__table__.name!r}"
    assert admin.__table__ is staff.__table__, (
        "Admin declares no table: it should stay in staff_members (single-table inheritance). A "
        "__tablename__ computed for every class gives it a table 'admins' of its own instead: return "
        f"None for a class whose parent already has a table. Admin's table: {admin.__table__.name!r}"
    )
    session.add_all([staff(), admin(level=3)])
    session.flush()
    kinds = sorted(session.execute(text("SELECT kind FROM staff_members")).scalars())
    assert kinds == ["admin", "staff"], f"both rows should be in staff_members, found kinds {kinds}"


# -- task 2: timestamps -------------------------------------------------------------------------


def timestamped_models(session: Session) -> tuple[Any, Any]:
    def build() -> tuple[Any, Any]:
        class Base(DeclarativeBase):
            pass

        class Article(mixins.TimestampMixin, Base):
            __tablename__ = "articles"
            id: Mapped[int] = mapped_column(primary_key=True)
            title: Mapped[str] = mapped_column(String(100))

        class Comment(mixins.TimestampMixin, Base):
            __tablename__ = "comments"
            id: Mapped[int] = mapped_column(primary_key=True)
            body: Mapped[str] = mapped_column(String(100))

        Base.metadata.create_all(session.connection())
        return Article, Comment

    return declare(build, "Article and Comment with TimestampMixin")


@pytest.mark.task(2)
def test_inserting_sets_both_timestamps(session: Session) -> None:
    Article, Comment = timestamped_models(session)
    earliest = not_before(session)
    article, comment = Article(title="Hello"), Comment(body="Nice")
    session.add_all([article, comment])
    session.flush()
    for table, row_id in (("articles", article.id), ("comments", comment.id)):
        row = raw_row(session, table, row_id)
        assert row.get("created_at") is not None and row.get("updated_at") is not None, (
            f"a new row of {table} should get created_at and updated_at without the code setting them: {row}"
        )
        for name in ("created_at", "updated_at"):
            assert naive(row[name]) >= earliest, (
                f"{name} of a row inserted now should be the time of the INSERT (at least {earliest} UTC), it "
                f"is {row[name]!r}: was 'now' worked out once, when the class was defined? `default=utc_now()` "
                "calls the function at import; pass the function itself (`default=utc_now`) so that it runs "
                "for every INSERT"
            )
    columns = {c["name"]: c for c in inspect(session.connection()).get_columns("articles")}
    assert not columns["created_at"]["nullable"] and not columns["updated_at"]["nullable"], (
        "created_at and updated_at should be NOT NULL: every row has them"
    )
    for name in ("created_at", "updated_at"):
        column_type = Article.__table__.c[name].type
        assert getattr(column_type, "timezone", False) is True, (
            f"{name} should be a timezone-aware DateTime (DateTime(timezone=True), TIMESTAMP WITH TIME ZONE on "
            f"PostgreSQL): a naive timestamp loses which zone 'now' was in; it is {column_type!r}"
        )


@pytest.mark.task(2)
def test_updating_a_row_moves_updated_at_only(session: Session) -> None:
    Article, _ = timestamped_models(session)
    article = Article(title="Draft")
    session.add(article)
    session.flush()
    session.execute(text("UPDATE articles SET created_at = :old, updated_at = :old"), {"old": OLD})
    session.expire(article)
    article.title = "Final"
    session.flush()
    row = raw_row(session, "articles", article.id)
    assert naive(row["updated_at"]).year >= 2024, (
        "changing the article should set updated_at to now in the same UPDATE (onupdate), it is still "
        f"{row['updated_at']!r}"
    )
    assert naive(row["created_at"]).year == OLD.year, (
        f"created_at must not change on update: it should still be {OLD}, it is {row['created_at']!r}"
    )


# -- task 3: soft delete ------------------------------------------------------------------------


def soft_models(session: Session) -> tuple[Any, Any]:
    def build() -> tuple[Any, Any]:
        class Base(DeclarativeBase):
            pass

        class Folder(mixins.SoftDeleteMixin, Base):
            __tablename__ = "folders"
            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str] = mapped_column(String(50))

        class Tag(mixins.SoftDeleteMixin, Base):
            __tablename__ = "tags"
            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str] = mapped_column(String(50))

        Base.metadata.create_all(session.connection())
        return Folder, Tag

    return declare(build, "Folder and Tag with SoftDeleteMixin")


@pytest.mark.task(3)
def test_soft_delete_keeps_the_row_and_restore_undoes_it(session: Session) -> None:
    Folder, _ = soft_models(session)
    folder = Folder(name="Taxes")
    session.add(folder)
    session.flush()
    assert folder.is_deleted is False, "a new folder is not deleted"
    folder.soft_delete()
    session.flush()
    row = raw_row(session, "folders", folder.id)
    assert row["deleted_at"] is not None and folder.is_deleted is True, (
        f"soft_delete() should set deleted_at and keep the row; the row is {row}, is_deleted={folder.is_deleted!r}"
    )
    folder.restore()
    session.flush()
    assert raw_row(session, "folders", folder.id)["deleted_at"] is None and folder.is_deleted is False, (
        "restore() should set deleted_at back to NULL"
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("deleted", [{"b"}, {"a", "c"}, set()], ids=["one", "two", "none"])
def test_active_selects_the_rows_not_soft_deleted(session: Session, queries: Any, deleted: set[str]) -> None:
    Folder, Tag = soft_models(session)
    for model in (Folder, Tag):
        objects = {name: model(name=name) for name in "abc"}
        session.add_all(objects.values())
        for name in deleted:
            objects[name].soft_delete()
    session.flush()
    session.expunge_all()
    for model in (Folder, Tag):
        queries.clear()
        names = sorted(o.name for o in session.scalars(model.active()))
        expected = sorted(set("abc") - deleted)
        assert names == expected, (
            f"{model.__name__}.active() should select the {model.__name__.lower()}s not soft-deleted, {expected}; got {names}"
        )
        queries.assert_count(1, because="active() is one SELECT with WHERE deleted_at IS NULL")


@pytest.mark.task(3)
def test_deleted_at_is_indexed_in_every_table(session: Session) -> None:
    soft_models(session)
    for table in ("folders", "tags"):
        indexes = inspect(session.connection()).get_indexes(table)
        assert any(index["column_names"] == ["deleted_at"] for index in indexes), (
            f"{table}.deleted_at should have an index (active() filters on it in every query); indexes: {indexes}"
        )


# -- task 4: declared_attr for a relationship ----------------------------------------------------


@pytest.mark.task(4)
def test_every_owned_model_gets_its_owner(session: Session) -> None:
    def build() -> tuple[Any, Any, Any]:
        class Base(DeclarativeBase):
            pass

        class User(Base):
            __tablename__ = "users"
            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str] = mapped_column(String(50))

        class Document(mixins.OwnedMixin, Base):
            __tablename__ = "documents"
            id: Mapped[int] = mapped_column(primary_key=True)

        class Photo(mixins.OwnedMixin, Base):
            __tablename__ = "photos"
            id: Mapped[int] = mapped_column(primary_key=True)

        Base.metadata.create_all(session.connection())
        return User, Document, Photo

    User, Document, Photo = declare(build, "Document and Photo with OwnedMixin")
    for table in ("documents", "photos"):
        keys = inspect(session.connection()).get_foreign_keys(table)
        assert any(k["referred_table"] == "users" and k["constrained_columns"] == ["owner_id"] for k in keys), (
            f"{table}.owner_id should be a foreign key to users.id, found {keys}"
        )
    ann, bob = User(name="Ann"), User(name="Bob")
    session.add_all([Document(owner=ann), Photo(owner=bob), Photo(owner=ann)])
    session.flush()
    session.expunge_all()
    documents = [(d.owner.name) for d in session.scalars(select(Document))]
    photos = sorted(p.owner.name for p in session.scalars(select(Photo)))
    assert documents == ["Ann"] and photos == ["Ann", "Bob"], (
        f"each model's owner relationship should load its own owner: documents {documents}, photos {photos}"
    )
    columns = {c["name"]: c for c in inspect(session.connection()).get_columns("photos")}
    assert not columns["owner_id"]["nullable"], "owner_id should be NOT NULL: everything has an owner"


