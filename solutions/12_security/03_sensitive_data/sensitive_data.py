"""Kata 12.3: sensitive data — encrypted columns, a blind index, password hashes, PII out of repr and errors.

The keys, the hasher and the model's columns are given. Write the type, the functions and `__repr__`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

import argon2
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet
from sqlalchemy import Dialect, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

log = logging.getLogger("bookshop.customers")

# In production these come from a secret store (and never from the repository); the kata fixes them.
DATA_KEY = b"LYmn-IJrapCSrie60GSYROFYXNHSOyZAyfA-QbSG4y4="  # a Fernet key: encrypts the PII columns
LOOKUP_KEY = bytes.fromhex("733aec2d6d15c11c28cd1575d3a7c9086e1a29ae2dfb9a75e4bd01b603e12b14")  # HMAC key

# CHEAPEST keeps the tests fast. In production use PasswordHasher() (RFC 9106 low-memory profile:
# t=3, m=64 MiB, p=4), whose hashes take ~50-200 ms on purpose.
password_hasher = argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)


class EmailTaken(Exception):
    """Another customer already has this email (the message must not say which email)."""


# BEGIN SOLUTION
class EncryptedString(TypeDecorator[str]):
    """A string column stored encrypted with Fernet (AES-128-CBC + HMAC): ciphertext in the database,
    plaintext in Python. NULL stays NULL."""

    impl = String
    # The type's state (the key) does not change the SQL it renders: safe for the statement cache.
    cache_ok = True

    def __init__(self, key: bytes, length: int = 500) -> None:
        super().__init__(length)
        self._fernet = Fernet(key)

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def process_result_value(self, value: Any | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return self._fernet.decrypt(value).decode("utf-8")


# END SOLUTION
# BEGIN STUB
# class EncryptedString(TypeDecorator[str]):
#     """TODO (task 1): encrypt with Fernet(key) on the way in, decrypt on the way out; NULL stays NULL."""
#
#     impl = String
#     cache_ok = True
#
#     def __init__(self, key: bytes, length: int = 500) -> None:
#         super().__init__(length)
# END STUB


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(EncryptedString(DATA_KEY))
    # A keyed hash of the normalised email: equal emails give equal digests, so it can be unique and
    # searched, while the email itself is encrypted with a random IV (never equal twice).
    email_digest: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(EncryptedString(DATA_KEY))
    password_hash: Mapped[str] = mapped_column(String(200))

    def __repr__(self) -> str:
        """Identify the customer for logs and debuggers without any personal data (id only)."""
        # BEGIN SOLUTION
        return f"Customer(id={self.id!r})"
        # END SOLUTION
        # BEGIN STUB
        # # TODO (task 4): this repr leaks personal data into every log line and traceback.
        # return f"Customer(id={self.id!r}, email={self.email!r}, full_name={self.full_name!r}, phone={self.phone!r})"
        # END STUB


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_digest(email: str) -> str:
    """Return the HMAC-SHA256 (key LOOKUP_KEY) of the normalised email (stripped, lower-case), in hex."""
    # BEGIN SOLUTION
    return hmac.new(LOOKUP_KEY, normalise_email(email).encode("utf-8"), hashlib.sha256).hexdigest()
    # END SOLUTION


def register(
    session: Session, email: str, full_name: str, password: str, phone: str | None = None
) -> Customer:
    """Add and flush a customer: normalised email (encrypted) and its digest, the argon2 hash of the
    password, the phone (encrypted, or NULL). Log "customer <id> registered" at INFO on the
    "bookshop.customers" logger, with no personal data.

    An email already registered (after normalising) raises `EmailTaken` whose message, cause and
    traceback carry no personal data; the session stays usable.
    """
    # BEGIN SOLUTION
    customer = Customer(
        email=normalise_email(email),
        email_digest=email_digest(email),
        full_name=full_name,
        phone=phone,
        password_hash=password_hasher.hash(password),
    )
    try:
        with session.begin_nested():
            session.add(customer)
    except IntegrityError:
        # `from None`: the IntegrityError's text lists every bound value (the name, the hash...).
        raise EmailTaken("a customer with this email already exists") from None
    log.info("customer %s registered", customer.id)
    return customer
    # END SOLUTION


def find_by_email(session: Session, email: str) -> Customer | None:
    """Return the customer with this email (normalised), found by its digest in SQL, or None."""
    # BEGIN SOLUTION
    return session.scalars(select(Customer).where(Customer.email_digest == email_digest(email))).one_or_none()
    # END SOLUTION


def verify_password(session: Session, email: str, password: str) -> Customer | None:
    """Return the customer if the password matches, else None (also for an unknown email or a hash that
    cannot be read). After a match, a hash made with other parameters than `password_hasher`'s is
    replaced by a new one (and flushed)."""
    # BEGIN SOLUTION
    customer = find_by_email(session, email)
    if customer is None:
        return None
    try:
        password_hasher.verify(customer.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if password_hasher.check_needs_rehash(customer.password_hash):
        # The only moment the plain password is at hand: upgrade the hash to today's parameters.
        customer.password_hash = password_hasher.hash(password)
        session.flush()
    return customer
    # END SOLUTION
