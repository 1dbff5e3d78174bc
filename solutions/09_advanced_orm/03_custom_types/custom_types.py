"""Kata 9.3: custom types — TypeDecorators that convert between Python values and stored values.

A help desk stores tickets. Four columns need more than the built-in types give:
- `details`: a dict, stored as JSON text (JSONEncodedDict);
- `id`: a uuid.UUID, stored natively on PostgreSQL and as 32 hex characters elsewhere (GUID);
- `api_token`: a secret, stored encrypted with a real cipher (EncryptedString);
- `priority`: a Python Enum, stored as its plain string value in a VARCHAR (EnumAsString).
Each converts in process_bind_param (Python -> database) and process_result_value (database ->
Python); None (SQL NULL) stays None both ways. The Ticket model at the bottom is given.
"""

from __future__ import annotations

import enum
import json
import uuid
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import CHAR, String, Text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

# A Fernet key (urlsafe base64 of 32 random bytes). In production it comes from a secret store or
# the environment, never from the source code; here it is fixed so the tests can run.
ENCRYPTION_KEY = b"MPymup48CG8dgmhJAAUzH1HdKzKv2bt75B8g4C_EbNQ="


class JSONEncodedDict(TypeDecorator[dict[str, Any]]):
    """A dict stored as JSON text. None stays SQL NULL (not the JSON text 'null')."""

    impl = Text
    # BEGIN SOLUTION
    # The type has no state of its own: statements using it can be cached safely.
    cache_ok = True
    # END SOLUTION
    # BEGIN STUB
    # cache_ok = False  # TODO: may statements using this type be cached? (see the README, task 5)
    # END STUB

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> str | None:
        """The dict -> JSON text (None -> None)."""
        # BEGIN SOLUTION
        return None if value is None else json.dumps(value)
        # END SOLUTION

    def process_result_value(self, value: str | None, dialect: Dialect) -> dict[str, Any] | None:
        """JSON text -> a dict (None -> None)."""
        # BEGIN SOLUTION
        return None if value is None else json.loads(value)
        # END SOLUTION


class GUID(TypeDecorator[uuid.UUID]):
    """A uuid.UUID: PostgreSQL's native UUID type there, CHAR(32) of hex digits elsewhere."""

    impl = CHAR(32)
    # BEGIN SOLUTION
    cache_ok = True
    # END SOLUTION
    # BEGIN STUB
    # cache_ok = False  # TODO: may statements using this type be cached? (see the README, task 5)
    # END STUB

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """The column type for this dialect: native UUID on 'postgresql', CHAR(32) otherwise."""
        # BEGIN SOLUTION
        # The type is chosen per dialect when a statement or a CREATE TABLE is compiled.
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.UUID(as_uuid=True))
        return dialect.type_descriptor(CHAR(32))
        # END SOLUTION
        # BEGIN STUB
        # return dialect.type_descriptor(CHAR(32))  # TODO: native UUID on PostgreSQL
        # END STUB

    def process_bind_param(self, value: uuid.UUID | str | None, dialect: Dialect) -> Any:
        """A UUID (or its text form) -> what the column stores (None -> None)."""
        # BEGIN SOLUTION
        if value is None:
            return None
        if not isinstance(value, uuid.UUID):
            value = uuid.UUID(value)  # a str in any accepted spelling; a bad one raises ValueError
        # The native type takes the UUID itself; CHAR(32) takes its 32 hex digits.
        return value if dialect.name == "postgresql" else value.hex
        # END SOLUTION

    def process_result_value(self, value: Any, dialect: Dialect) -> uuid.UUID | None:
        """What the column stored -> a uuid.UUID (None -> None)."""
        # BEGIN SOLUTION
        if value is None or isinstance(value, uuid.UUID):
            return value
        return uuid.UUID(value)
        # END SOLUTION


class EncryptedString(TypeDecorator[str]):
    """A str stored encrypted (Fernet with ENCRYPTION_KEY, or AES-GCM): the database never sees it.

    Encrypting the same text twice must give different stored values (a random IV or nonce).
    """

    impl = Text
    # BEGIN SOLUTION
    cache_ok = True
    # END SOLUTION
    # BEGIN STUB
    # cache_ok = False  # TODO: may statements using this type be cached? (see the README, task 5)
    # END STUB

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """Plain text -> the encrypted, stored text (None -> None)."""
        # BEGIN SOLUTION
        if value is None:
            return None
        # Fernet: AES-128-CBC with a random IV, plus an HMAC; the token is urlsafe base64 text.
        return Fernet(ENCRYPTION_KEY).encrypt(value.encode("utf-8")).decode("ascii")
        # END SOLUTION

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        """The stored text -> the plain text (None -> None)."""
        # BEGIN SOLUTION
        if value is None:
            return None
        return Fernet(ENCRYPTION_KEY).decrypt(value.encode("ascii")).decode("utf-8")
        # END SOLUTION


class EnumAsString(TypeDecorator[enum.Enum]):
    """A member of `enum_class`, stored as its `.value` (a str) in a VARCHAR: no database ENUM type.

    Binding accepts a member or its value ('high' for Priority.HIGH); anything else raises
    ValueError. Reading gives the member back.
    """

    impl = String(50)
    # BEGIN SOLUTION
    # Safe to cache: the cache key includes __init__'s arguments (enum_class), read back from the
    # attribute of the same name, so EnumAsString(Priority) and EnumAsString(Other) do not mix.
    cache_ok = True
    # END SOLUTION
    # BEGIN STUB
    # cache_ok = False  # TODO: may statements using this type be cached? (see the README, task 5)
    # END STUB

    def __init__(self, enum_class: type[enum.Enum]) -> None:
        super().__init__(length=50)
        self.enum_class = enum_class

    def process_bind_param(self, value: enum.Enum | str | None, dialect: Dialect) -> str | None:
        """A member (or its value) -> the member's value; anything else raises ValueError."""
        # BEGIN SOLUTION
        if value is None:
            return None
        # enum_class(x) accepts a member or a value, and raises ValueError for anything else.
        return str(self.enum_class(value).value)
        # END SOLUTION

    def process_result_value(self, value: str | None, dialect: Dialect) -> enum.Enum | None:
        """The stored value -> the enum member."""
        # BEGIN SOLUTION
        return None if value is None else self.enum_class(value)
        # END SOLUTION


# -- given: the model that uses the four types ------------------------------------------------


class Priority(enum.Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class Base(DeclarativeBase):
    pass


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONEncodedDict)
    api_token: Mapped[str | None] = mapped_column(EncryptedString)
    priority: Mapped[Priority] = mapped_column(EnumAsString(Priority), default=Priority.NORMAL)
