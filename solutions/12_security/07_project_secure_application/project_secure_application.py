"""Kata 12.7 (project): a secure user store — hashed passwords, encrypted PII, injection-proof search,
secret-free audit logs.

The keys, the hasher, the errors and the models are given; write the type and the functions.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

import argon2
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet
from sqlalchemy import Dialect, ForeignKey, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

audit_log = logging.getLogger("bookshop.audit")

# From a secret store in production; fixed here so the tests can check the stored data.
DATA_KEY = b"m0gb5QylO0FYdUmPq0SX0c9s8WwU9v4YbA1BGHjKB7k="
LOOKUP_KEY = bytes.fromhex("9f1c2e4d6a8b0c1d3e5f7a9b1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d")
# CHEAPEST keeps the tests fast; production uses PasswordHasher() (RFC 9106 low-memory defaults).
password_hasher = argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)


class AlreadyRegistered(Exception):
    """The username or the email is taken (the message says neither)."""


class UnknownSortKey(ValueError):
    """A sort key off the allow-list."""


# BEGIN SOLUTION
class EncryptedString(TypeDecorator[str]):
    """Text stored as a Fernet token; NULL stays NULL."""

    impl = String
    cache_ok = True

    def __init__(self, key: bytes, length: int = 500) -> None:
        super().__init__(length)
        self._fernet = Fernet(key)

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def process_result_value(self, value: Any | None, dialect: Dialect) -> str | None:
        return None if value is None else self._fernet.decrypt(value).decode("utf-8")


# END SOLUTION
# BEGIN STUB
# class EncryptedString(TypeDecorator[str]):
#     """TODO (task 1): store the text as a Fernet token made with `key`; NULL stays NULL."""
#
#     impl = String
#     cache_ok = True
#
#     def __init__(self, key: bytes, length: int = 500) -> None:
#         super().__init__(length)
# END STUB


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)  # public, shown on reviews
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(EncryptedString(DATA_KEY))
    email_digest: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC of the normalised email
    password_hash: Mapped[str] = mapped_column(String(200))

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, username={self.username!r})"


class AuditEntry(Base):
    """Who did what, for the security team; never a password, an email or a typed-in username."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(50))


# BEGIN SOLUTION
SORTABLE = {"username": User.username, "display_name": User.display_name, "joined": User.id}
# END SOLUTION
# BEGIN STUB
# # TODO (task 3): an allow-list of sort keys may go here.
# END STUB


def email_digest(email: str) -> str:
    """The HMAC-SHA256 (key LOOKUP_KEY) of the normalised email (stripped, lower-case), in hex."""
    # BEGIN SOLUTION
    return hmac.new(LOOKUP_KEY, email.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()
    # END SOLUTION


def audit(session: Session, action: str, user_id: int | None) -> None:
    """Add and flush an AuditEntry, and log "<action> user_id=<id>" at INFO on the bookshop.audit logger."""
    # BEGIN SOLUTION
    session.add(AuditEntry(user_id=user_id, action=action))
    session.flush()
    audit_log.info("%s user_id=%s", action, user_id)
    # END SOLUTION


def create_user(session: Session, username: str, email: str, password: str, display_name: str) -> User:
    """Add and flush a user: the email normalised (stripped, lower-case) and encrypted, its HMAC digest
    (LOOKUP_KEY, SHA-256, hex), an argon2 hash of the password. Audit "user.created" for the new id.

    A taken username or email (after normalising) raises `AlreadyRegistered`, which names neither and
    chains no database error; nothing is added then (no user, no audit entry) and the session goes on.
    """
    # BEGIN SOLUTION
    user = User(
        username=username,
        display_name=display_name,
        email=email.strip().lower(),
        email_digest=email_digest(email),
        password_hash=password_hasher.hash(password),
    )
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        raise AlreadyRegistered("that username or email is already registered") from None
    audit(session, "user.created", user.id)
    return user
    # END SOLUTION


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the user if the password is right, else None (unknown username, wrong password, unreadable
    hash). Audit "login.succeeded" or "login.failed" with the user's id (None for an unknown username)."""
    # BEGIN SOLUTION
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is not None:
        try:
            password_hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            pass
        else:
            audit(session, "login.succeeded", user.id)
            return user
    # The typed username is not recorded: people type their password into it by mistake.
    audit(session, "login.failed", user.id if user is not None else None)
    return None
    # END SOLUTION


def change_password(session: Session, user_id: int, old_password: str, new_password: str) -> bool:
    """Replace the password hash if `old_password` is right; audit "password.changed" and return True.
    Otherwise change nothing, audit "password.change_refused" and return False."""
    # BEGIN SOLUTION
    user = session.get(User, user_id)
    try:
        if user is None:
            raise VerificationError("no such user")
        password_hasher.verify(user.password_hash, old_password)
    except (VerificationError, InvalidHashError):
        audit(session, "password.change_refused", user_id if user is not None else None)
        return False
    user.password_hash = password_hasher.hash(new_password)
    audit(session, "password.changed", user.id)
    return True
    # END SOLUTION


def search_users(session: Session, text: str, sort: str = "username", descending: bool = False) -> list[str]:
    """Return the usernames whose username or display name contains `text` (ignoring ASCII case; % and _
    are plain characters), ordered by `sort` ("username", "display_name" or "joined" — the order of
    creation), reversed when `descending`, ties by username ascending. Another `sort` raises
    `UnknownSortKey` before any SQL is sent. The text reaches the database only as a bound value."""
    # BEGIN SOLUTION
    if sort not in SORTABLE:
        raise UnknownSortKey(f"cannot sort by {sort!r}; choose one of {sorted(SORTABLE)}")
    column = SORTABLE[sort]
    statement = (
        select(User.username)
        .where(
            User.username.icontains(text, autoescape=True)
            | User.display_name.icontains(text, autoescape=True)
        )
        .order_by(column.desc() if descending else column.asc(), User.username)
    )
    return list(session.scalars(statement))
    # END SOLUTION
