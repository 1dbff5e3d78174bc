"""Kata 14.7 (project): the sign-in service — passwords, roles and permissions, tokens, lockout.

Given: the models (users, roles, permissions, API tokens), the exceptions and the constants.
You write: register, has_permission, permissions_of, login, token_digest, issue_token,
user_for_token, revoke_token and authorize.

Every function takes the `PasswordHasher` it hashes with (the service builds one from its
configuration; the tests pass a cheap one) and, where time matters, `now`: the current time as a
naive UTC datetime, passed in so that the clock is the caller's (and the tests') to control.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Column, DateTime, ForeignKey, String, Table, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

MAX_FAILED_LOGINS = 5  # this many failures in a row lock the account
TOKEN_LIFETIME = timedelta(hours=1)


class Base(DeclarativeBase):
    pass


user_roles = Table(
    "user_roles",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)

role_permissions = Table(
    "role_permissions",
    Base.metadata,
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    Column("permission_id", ForeignKey("permissions.id", ondelete="CASCADE"), primary_key=True),
)


class Permission(Base):
    __tablename__ = "permissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)  # "posts:publish"


class Role(Base):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    permissions: Mapped[list[Permission]] = relationship(secondary=role_permissions)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # normalised: stripped, lower-case
    password_hash: Mapped[str] = mapped_column(String(255))  # an argon2 hash string, never the password
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    roles: Mapped[list[Role]] = relationship(secondary=user_roles)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 hex digest of the token
    expires_at: Mapped[datetime] = mapped_column(DateTime())  # naive UTC; valid while now < expires_at
    user: Mapped[User] = relationship()


class AuthError(Exception):
    """Something the sign-in service refuses; the subclasses say what."""


class EmailTaken(AuthError):
    """Another user already has this email."""


class InvalidCredentials(AuthError):
    """Wrong email or password: the same error (and message) for both, so nobody learns which emails exist."""


class AccountLocked(AuthError):
    """Too many failed logins in a row: the account is refused even with the right password."""


class Unauthenticated(AuthError):
    """No valid token: unknown, revoked or expired."""


class Forbidden(AuthError):
    """A valid token whose user lacks the permission."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


# -- task 1: passwords ------------------------------------------------------------------------------


def register(session: Session, hasher: PasswordHasher, email: str, password: str) -> User:
    """Add and flush a user with the normalised email and the argon2 hash of the password made by
    `hasher` (never the password itself). EmailTaken if the email (after normalising) is taken; the
    session stays usable, with its earlier work intact."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# -- task 2: roles and permissions ------------------------------------------------------------------


def has_permission(session: Session, user_id: int, permission: str) -> bool:
    """Whether one of the user's roles grants the permission: ONE SELECT, whatever the number of roles."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def permissions_of(session: Session, user_id: int) -> list[str]:
    """The names of every permission the user's roles grant, each once, sorted: ONE SELECT."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# -- task 3: login and lockout ------------------------------------------------------------------------


def login(session: Session, hasher: PasswordHasher, email: str, password: str) -> User:
    """Check the email and password and return the user.

    - Unknown email or wrong password: InvalidCredentials (the same message for both). A wrong
      password adds 1 to the user's failed_logins, computed by the database, and COMMITS it before
      raising (the request handler rolls back when it sees an exception: the count must survive).
    - failed_logins >= MAX_FAILED_LOGINS: AccountLocked, before the password is even checked.
    - Success: failed_logins back to 0, and a hash made with other parameters than `hasher`'s is
      replaced by a new one; flushed (the caller commits).
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# -- task 4: tokens ---------------------------------------------------------------------------------------


def token_digest(token: str) -> str:
    """The SHA-256 hex digest of the token (64 characters): what the database keeps instead of the token."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def issue_token(session: Session, user_id: int, now: datetime, lifetime: timedelta = TOKEN_LIFETIME) -> str:
    """Make a random token (at least 32 random bytes), store ONLY its digest with expires_at =
    now + lifetime, flush, and return the token itself (the one time it exists in the clear)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def user_for_token(session: Session, token: str, now: datetime) -> User | None:
    """The user of a token that is stored and not expired at `now` (valid while now < expires_at),
    else None. Looked up by the token's digest in SQL; digests compared with hmac.compare_digest."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def revoke_token(session: Session, token: str) -> bool:
    """Delete the token (found by its digest); True if there was one. Flushed."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# -- task 5: put together ---------------------------------------------------------------------------------


def authorize(session: Session, token: str, permission: str, now: datetime) -> User:
    """The token's user if the token is valid at `now` and the user has the permission.

    Unauthenticated for an unknown, revoked or expired token; Forbidden when the permission is
    missing. At most two SELECTs, whatever the number of roles.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
