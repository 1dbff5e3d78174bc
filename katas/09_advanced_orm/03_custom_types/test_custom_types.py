"""Tests for kata 9.3, custom types. Run: pytest katas/09_advanced_orm/03_custom_types"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Connection, Integer, MetaData, Table, insert, inspect, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from fixtures.isolation import rolled_back
from fixtures.target import learner_module

custom_types = learner_module(__file__, "custom_types")

HYPOTHESIS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
json_dicts = st.dictionaries(st.text(max_size=10), json_values, max_size=5)


# Each type is tried alone, in a one-column table of the test's own, with Core: one type's task
# does not wait for another's. Task 5 then uses all four together in the Ticket model.
def value_table(connection: Connection, column_type: Any) -> Table:
    table = Table(
        "kata_values", MetaData(), Column("id", Integer, primary_key=True), Column("value", column_type)
    )
    table.create(connection, checkfirst=True)
    return table


@contextmanager
def unwrapped() -> Iterator[None]:
    """SQLAlchemy wraps an error raised in a type's processing in a StatementError; a stub's
    NotImplementedError is raised as itself, so that the report says which method is unwritten."""
    try:
        yield
    except StatementError as error:
        if isinstance(error.orig, NotImplementedError):
            raise error.orig from None
        raise


def store(connection: Connection, table: Table, row_id: int, value: Any) -> None:
    with unwrapped():
        connection.execute(insert(table).values(id=row_id, value=value))


def read(connection: Connection, table: Table, row_id: int) -> Any:
    """The value read back through the type (process_result_value)."""
    with unwrapped():
        return connection.execute(select(table.c.value).where(table.c.id == row_id)).scalar_one()


def raw(connection: Connection, row_id: int) -> Any:
    """The value as the database stores it, read with plain SQL: no TypeDecorator in the way."""
    return connection.execute(text("SELECT value FROM kata_values WHERE id = :id"), {"id": row_id}).scalar_one()


def column_type_name(connection: Connection) -> str:
    column = {c["name"]: c for c in inspect(connection).get_columns("kata_values")}["value"]
    return str(column["type"]).upper()


def column_length(connection: Connection) -> Any:
    column = {c["name"]: c for c in inspect(connection).get_columns("kata_values")}["value"]
    return getattr(column["type"], "length", None)


# -- task 1: JSON -----------------------------------------------------------------------------


@pytest.mark.task(1)
@HYPOTHESIS
@given(details=json_dicts)
def test_dicts_round_trip_as_json_text(connection: Connection, details: dict[str, Any]) -> None:
    table = value_table(connection, custom_types.JSONEncodedDict())
    with rolled_back(connection):
        store(connection, table, 1, details)
        stored = raw(connection, 1)
        assert isinstance(stored, str) and json.loads(stored) == details, (
            f"the column should hold the dict as JSON text; the database holds {stored!r} for {details!r}"
        )
        again = read(connection, table, 1)
        assert again == details, f"the dict should read back equal to what was saved: saved {details!r}, read {again!r}"


@pytest.mark.task(1)
def test_no_dict_is_stored_as_null(connection: Connection) -> None:
    table = value_table(connection, custom_types.JSONEncodedDict())
    store(connection, table, 1, None)
    store(connection, table, 2, {})
    assert raw(connection, 1) is None, "None should be stored as SQL NULL, not as the JSON text 'null'"
    assert read(connection, table, 1) is None, "a NULL should read back as None"
    assert read(connection, table, 2) == {} and raw(connection, 2) is not None, (
        "an empty dict is not None: it should be stored as '{}' and read back as {}"
    )


# -- task 2: GUID -----------------------------------------------------------------------------


@pytest.mark.task(2)
@HYPOTHESIS
@given(value=st.uuids())
def test_uuids_round_trip_native_on_postgresql_hex_elsewhere(connection: Connection, value: uuid.UUID) -> None:
    table = value_table(connection, custom_types.GUID())
    with rolled_back(connection):
        store(connection, table, 1, value)
        stored = raw(connection, 1)
        if connection.dialect.name == "postgresql":
            assert column_type_name(connection) == "UUID", (
                f"on PostgreSQL the column should use the native UUID type, it is {column_type_name(connection)}"
            )
            assert stored == value, f"PostgreSQL should hold the UUID {value} natively, it holds {stored!r}"
        else:
            assert column_length(connection) in (32, 36), (
                f"on SQLite the column should be CHAR(32) (or 36): there is no UUID type; it is {column_type_name(connection)}"
            )
            assert isinstance(stored, str) and len(stored) in (32, 36) and uuid.UUID(stored) == value, (
                f"SQLite should hold {value} as its 32 hex digits (or 36 with dashes), it holds {stored!r}"
            )
            assert len(stored) <= column_length(connection), (
                f"the column is CHAR({column_length(connection)}) but holds {len(stored)} characters ({stored!r}): "
                "SQLite ignores the length, other databases would refuse or cut it. Store value.hex (32 digits) "
                "in a CHAR(32)"
            )
        again = read(connection, table, 1)
        assert isinstance(again, uuid.UUID) and again == value, (
            f"the value should read back as uuid.UUID({str(value)!r}), got {again!r}"
        )


@pytest.mark.task(2)
def test_a_uuid_in_text_form_finds_the_row(connection: Connection) -> None:
    table = value_table(connection, custom_types.GUID())
    value = uuid.UUID("c0ffee00-1234-4abc-8def-0123456789ab")
    store(connection, table, 1, value)
    store(connection, table, 2, uuid.UUID(int=0))
    store(connection, table, 3, None)
    for spelling in (str(value), str(value).upper(), value.hex):
        found = connection.execute(select(table.c.id).where(table.c.value == spelling)).scalars().all()
        assert list(found) == [1], (
            f"where(column == {spelling!r}) should find row 1: process_bind_param turns a UUID's text form "
            f"into the stored form too. Found {list(found)}"
        )
    assert raw(connection, 3) is None and read(connection, table, 3) is None, "None should stay NULL"


# -- task 3: encryption -----------------------------------------------------------------------


def plaintext_visible(stored: Any, secret: str) -> bool:
    """Is the secret readable in the stored value, or in its base64 decoding?"""
    data = stored.encode() if isinstance(stored, str) else bytes(stored)
    plain = secret.encode()
    if plain in data:
        return True
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            if plain in decode(data + b"=" * (-len(data) % 4)):
                return True
        except (binascii.Error, ValueError):
            pass
    return False


@pytest.mark.task(3)
@HYPOTHESIS
@given(secret=st.text(min_size=6, max_size=60))
def test_secrets_are_encrypted_in_the_database_and_decrypted_back(connection: Connection, secret: str) -> None:
    table = value_table(connection, custom_types.EncryptedString())
    with rolled_back(connection):
        store(connection, table, 1, secret)
        stored = raw(connection, 1)
        assert stored is not None and not plaintext_visible(stored, secret), (
            f"the column must not contain the secret {secret!r}, nor its base64 encoding: it holds {stored!r}"
        )
        again = read(connection, table, 1)
        assert again == secret, f"the value should decrypt back to {secret!r}, got {again!r}"


@pytest.mark.task(3)
def test_encrypting_the_same_secret_twice_gives_different_stored_values(connection: Connection) -> None:
    table = value_table(connection, custom_types.EncryptedString())
    secret = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
    store(connection, table, 1, secret)
    store(connection, table, 2, secret)
    a, b = raw(connection, 1), raw(connection, 2)
    assert a != b, (
        "the same secret encrypted twice should be stored differently (a real cipher uses a random IV or "
        "nonce, as Fernet and AES-GCM do): otherwise equal secrets show as equal, and an encoding such as "
        f"base64 or a fixed XOR is not encryption. Both rows hold {a!r}"
    )
    assert read(connection, table, 1) == secret and read(connection, table, 2) == secret, "both should decrypt back"


@pytest.mark.task(3)
def test_no_secret_stays_null(connection: Connection) -> None:
    table = value_table(connection, custom_types.EncryptedString())
    store(connection, table, 1, None)
    store(connection, table, 2, "")
    assert raw(connection, 1) is None, "None should be stored as NULL, not as an encrypted 'None'"
    assert read(connection, table, 1) is None, "a NULL should read back as None"
    assert raw(connection, 2) not in (None, "") and read(connection, table, 2) == "", (
        "the empty string is a value: it should be encrypted like any other and read back as ''"
    )


# -- task 4: enum as string -------------------------------------------------------------------


@pytest.mark.task(4)
def test_members_are_stored_as_their_value_in_a_varchar(connection: Connection) -> None:
    Priority = custom_types.Priority
    table = value_table(connection, custom_types.EnumAsString(Priority))
    assert "CHAR" in column_type_name(connection), (
        f"the column should be a plain VARCHAR (no database ENUM type to migrate later), it is {column_type_name(connection)}"
    )
    for number, member in enumerate(Priority, start=1):
        store(connection, table, number, member)
        stored = raw(connection, number)
        assert stored == member.value, f"{member} should be stored as its value {member.value!r}, the database holds {stored!r}"
        again = read(connection, table, number)
        assert again is member, f"it should read back as {member}, got {again!r}"


@pytest.mark.task(4)
def test_enum_as_string_works_with_any_enum_and_accepts_values(connection: Connection) -> None:
    import enum

    class Colour(enum.Enum):
        RED = "r"
        GREEN = "g"

    table = value_table(connection, custom_types.EnumAsString(Colour))
    store(connection, table, 1, Colour.GREEN)
    store(connection, table, 2, "r")
    store(connection, table, 3, None)
    assert [raw(connection, i) for i in (1, 2, 3)] == ["g", "r", None], (
        "EnumAsString(Colour) should store Colour.GREEN as 'g', the value 'r' as 'r', None as NULL: "
        f"the database holds {[raw(connection, i) for i in (1, 2, 3)]}"
    )
    assert read(connection, table, 2) is Colour.RED, "the value 'r' should read back as Colour.RED"
    found = connection.execute(select(table.c.id).where(table.c.value == Colour.GREEN)).scalars().all()
    assert list(found) == [1], f"where(column == Colour.GREEN) should find row 1, found {list(found)}"


@pytest.mark.task(4)
@pytest.mark.parametrize("bad", ["urgent", "HIGH", 3], ids=["unknown value", "a name, not a value", "a number"])
def test_enum_as_string_refuses_what_is_not_a_member(connection: Connection, bad: Any) -> None:
    table = value_table(connection, custom_types.EnumAsString(custom_types.Priority))
    with pytest.raises((ValueError, StatementError)) as caught:
        store(connection, table, 1, bad)
    error = caught.value
    cause = error if isinstance(error, ValueError) else getattr(error, "orig", None)
    assert isinstance(cause, ValueError), (
        f"storing {bad!r} should raise ValueError (Priority({bad!r}) does), not {type(cause).__name__}: {cause}"
    )


# -- task 5: cache_ok, and the Ticket model --------------------------------------------------


@pytest.mark.task(5)
@pytest.mark.parametrize("name", ["JSONEncodedDict", "GUID", "EncryptedString", "EnumAsString"])
def test_every_type_says_it_is_safe_to_cache(name: str) -> None:
    declared = getattr(custom_types, name).__dict__.get("cache_ok")
    assert declared is True, (
        f"{name}.cache_ok should be True: its conversions depend only on its arguments, so SQLAlchemy may "
        "cache the compiled SQL of statements that use it (False turns the cache off; leaving it out warns)"
    )


@pytest.mark.task(5)
def test_a_ticket_round_trips_through_the_session(session: Session) -> None:
    custom_types.Base.metadata.create_all(session.connection())
    Ticket, Priority = custom_types.Ticket, custom_types.Priority
    ticket = Ticket(title="VPN down", details={"floor": 3, "tags": ["vpn", "urgent"]}, api_token="tok-123456", priority=Priority.HIGH)
    other = Ticket(title="New mouse", details=None, api_token=None)
    session.add_all([ticket, other])
    with unwrapped():
        session.flush()
    assert isinstance(ticket.id, uuid.UUID), f"a new ticket's id should be a uuid.UUID (default uuid4), got {ticket.id!r}"
    session.expunge_all()
    with unwrapped():
        found = session.scalars(select(Ticket).where(Ticket.priority == Priority.HIGH)).all()
    assert [t.id for t in found] == [ticket.id], (
        f"where(Ticket.priority == Priority.HIGH) should find the VPN ticket only, found {[t.title for t in found]}"
    )
    again = found[0]
    assert (again.details, again.api_token, again.priority) == ({"floor": 3, "tags": ["vpn", "urgent"]}, "tok-123456", Priority.HIGH), (
        f"the ticket should read back as saved, got details={again.details!r}, api_token={again.api_token!r}, "
        f"priority={again.priority!r}"
    )
    plain = session.get(Ticket, other.id)
    assert plain is not None and plain.priority is Priority.NORMAL and plain.details is None, (
        "session.get() by the UUID should find the other ticket, with the default priority NORMAL and no details"
    )
