"""Tests for kata 3.4, session basics. Run: pytest katas/03_orm_basics/04_session_basics

Most tests use a real engine: what your code commits is committed (the database is wiped after
each test), and the tests look at the table through a separate connection, which sees only
committed rows. The test for `try_register` uses the fast `session` fixture.
"""

from __future__ import annotations

import gc
from typing import Any

import pytest
from sqlalchemy import Column, Connection, Engine, Integer, MetaData, String, Table, insert, inspect, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import DetachedInstanceError

from fixtures.isolation import checked_out_connections
from fixtures.target import learner_module

session_basics = learner_module(__file__, "session_basics")

# The tests' own copy of the table (the same as the given Member model), to create and seed it.
schema = MetaData()
members = Table(
    "members",
    schema,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("email", String(200), nullable=False, unique=True),
)
SEED = [{"name": "Ana", "email": "ana@example.org"}, {"name": "Ben", "email": "ben@example.org"}]


@pytest.fixture
def club(engine: Engine) -> Engine:
    """The members table with Ana and Ben, committed for real (wiped after the test)."""
    with engine.begin() as connection:
        schema.create_all(connection)
        connection.execute(insert(members), SEED)
    return engine


@pytest.fixture
def club_session(connection: Connection, session: Session) -> Session:
    """The same table and members inside the test's rolled-back transaction, and a session on it."""
    schema.create_all(connection)
    connection.execute(insert(members), SEED)
    return session


def committed(engine: Engine) -> dict[str, str]:
    """email -> name, as a brand-new connection sees the table: only committed rows."""
    with engine.connect() as connection:
        return {row.email: row.name for row in connection.execute(select(members))}


def no_connection_left_out(engine: Engine, function: str) -> None:
    __tracebackhide__ = True
    leaked = checked_out_connections(engine)
    if leaked:
        gc.collect()  # give the unclosed session's connection back now, not in the middle of the report
    assert leaked == 0, (
        f"{function}() left a connection checked out of the pool: close the session it opens "
        "(`with factory() as session:` or `with factory.begin() as session:` does it for you)"
    )


# -- task 1: the session factory ------------------------------------------------------------


@pytest.mark.task(1)
def test_the_factory_makes_new_sessions_bound_to_the_engine(club: Engine) -> None:
    factory = session_basics.make_session_factory(club)
    assert isinstance(factory, sessionmaker), (
        f"make_session_factory() should return a sessionmaker, not {factory!r}"
    )
    with factory() as first, factory() as second:
        assert isinstance(first, Session) and first is not second, (
            "each call of the factory should make a new Session"
        )
        assert first.get_bind() is club, "the factory's sessions should be bound to the engine it was given"
        names = sorted(first.scalars(select(session_basics.Member.name)))
    assert names == ["Ana", "Ben"], (
        f"a session from the factory should read the engine's database, got {names}"
    )


@pytest.mark.task(1)
def test_objects_keep_their_attributes_after_commit(club: Engine, queries: Any) -> None:
    factory = session_basics.make_session_factory(club)
    with factory() as session:
        member = session_basics.Member(name="Cy", email="cy@example.org")
        session.add(member)
        session.commit()
        queries.clear()
        seen = (member.id, member.name)
    assert seen[1] == "Cy" and queries.count == 0, (
        "after commit, the factory's sessions should keep the objects' attributes loaded "
        "(expire_on_commit=False): reading member.name after commit should send no SELECT.\n"
        + queries.listing()
    )
    assert member.name == "Cy", "the object stays usable after its session is closed"


# -- task 2: register -------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "expire_on_commit", [False, True], ids=["objects kept on commit", "objects expired on commit"]
)
@pytest.mark.parametrize(("name", "email"), [("Cy", "cy@example.org"), ("Dee O'Hara", "dee@example.org")])
def test_register_commits_so_another_connection_sees_the_member(
    club: Engine, name: str, email: str, expire_on_commit: bool
) -> None:
    factory = sessionmaker(club, expire_on_commit=expire_on_commit)
    member = session_basics.register(factory, name, email)
    seen = committed(club)
    assert seen.get(email) == name, (
        f"after register({name!r}, {email!r}) a new connection should see the member: register() must commit "
        f"(a flush alone is not enough). Committed rows: {seen}"
    )
    no_connection_left_out(club, "register")
    state = inspect(member)
    assert state.detached, (
        "register() should close its session: the member it returns is then detached "
        f"(persistent={state.persistent}, pending={state.pending})"
    )
    try:
        got = (member.id, member.name, member.email)
    except DetachedInstanceError:
        pytest.fail(
            "the returned member's attributes cannot be read: its session expired them at commit and was closed "
            "before they were loaded again (refresh it before closing, or read what you need first)",
            pytrace=False,
        )
    assert isinstance(got[0], int) and got[1:] == (name, email), (
        f"the returned member should be {name}, {email}, got {got}"
    )


# -- task 3: register_all -------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("count", [1, 3])
def test_register_all_stores_everyone_and_returns_their_ids_in_order(club: Engine, count: int) -> None:
    people = [(f"Guest {i}", f"guest{i}@example.org") for i in range(count)]
    ids = session_basics.register_all(sessionmaker(club), people)
    with club.connect() as connection:
        by_id = {row.id: row.email for row in connection.execute(select(members))}
    assert list(ids) == [i for i in ids if i in by_id] and [by_id[i] for i in ids] == [
        e for _, e in people
    ], (
        f"register_all() should commit every member and return their ids in the order given; got ids {ids}, "
        f"committed rows {by_id}"
    )
    no_connection_left_out(club, "register_all")


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "people",
    [
        [("Cy", "cy@example.org"), ("Dee", "dee@example.org"), ("Ana again", "ana@example.org")],
        [("Cy", "cy@example.org"), ("Cy twice", "cy@example.org")],
    ],
    ids=["an existing email last", "the same email twice"],
)
def test_register_all_stores_nobody_when_one_is_refused(club: Engine, people: list[tuple[str, str]]) -> None:
    with pytest.raises(IntegrityError):
        session_basics.register_all(sessionmaker(club), people)
        pytest.fail(
            "register_all() should let the IntegrityError of the duplicate email propagate", pytrace=False
        )
    seen = committed(club)
    assert seen == {m["email"]: m["name"] for m in SEED}, (
        "when one member of the batch is refused, none of them may be stored: one transaction for the whole "
        f"batch, rolled back on error (not a commit per member). Committed rows: {seen}"
    )
    no_connection_left_out(club, "register_all")


# -- task 4: try_register -------------------------------------------------------------------


@pytest.mark.task(4)
def test_try_register_commits_a_new_member(club_session: Session, queries: Any) -> None:
    member = session_basics.try_register(club_session, "Cy", "cy@example.org")
    assert member is not None and inspect(member).persistent, (
        f"try_register() of a new email should return the member, stored and still in the session; got {member!r}"
    )
    # In this test the session runs inside a savepoint: its commit() is a RELEASE SAVEPOINT.
    commits = [s for s in queries.all_statements if s.sql.lstrip().upper().startswith("RELEASE")]
    assert commits, (
        "try_register() should commit (session.commit()), not only flush: a flushed row is still part of an "
        "open transaction that other connections do not see"
    )
    with queries.paused():
        emails = set(club_session.scalars(select(session_basics.Member.email)))
    assert "cy@example.org" in emails, f"the new member should be stored, the table has {sorted(emails)}"


@pytest.mark.task(4)
@pytest.mark.parametrize("taken", ["ana@example.org", "ben@example.org"])
def test_try_register_rolls_back_a_refused_member_and_keeps_the_session_usable(
    club_session: Session, taken: str
) -> None:
    first = session_basics.try_register(club_session, "Cy", "cy@example.org")
    try:
        refused = session_basics.try_register(club_session, "Impostor", taken)
    except Exception as error:  # noqa: BLE001 - the message explains
        pytest.fail(
            f"try_register() with the taken email {taken} raised {type(error).__name__}: {error}. It should catch "
            "the IntegrityError, call session.rollback() and return None",
            pytrace=False,
        )
    assert refused is None, f"try_register() with the taken email {taken} should return None, got {refused!r}"
    assert not club_session.new, (
        "after the refusal, the session should hold no pending object: rollback() expunges the members "
        f"that were pending; the session still has {list(club_session.new)}"
    )
    try:
        later = session_basics.try_register(club_session, "Dee", "dee@example.org")
    except Exception as error:  # noqa: BLE001 - the message explains
        pytest.fail(
            f"after a refused member the session should be usable again, but the next call raised "
            f"{type(error).__name__}: {error}. A session whose flush failed refuses all work until rollback().",
            pytrace=False,
        )
    assert later is not None, "a member with a new email should be stored after a refused one"
    rows = {m.email: m.name for m in club_session.scalars(select(session_basics.Member))}
    assert rows == {
        "ana@example.org": "Ana",
        "ben@example.org": "Ben",
        "cy@example.org": "Cy",
        "dee@example.org": "Dee",
    }, f"the members committed before and after the refusal stay, the refused one is not stored: {rows}"
    assert first is not None and inspect(first).persistent, (
        "a member committed before the refusal stays in the session"
    )


# -- task 5: rename -------------------------------------------------------------------------


@pytest.mark.task(5)
@pytest.mark.parametrize("new_name", ["Ana Lima", "Ana O'Neil"])
def test_rename_commits_the_new_name(club: Engine, new_name: str) -> None:
    with club.connect() as connection:
        ana_id = connection.execute(
            select(members.c.id).where(members.c.email == "ana@example.org")
        ).scalar_one()
    assert session_basics.rename(sessionmaker(club), ana_id, new_name) is True, (
        "rename() of a member should return True"
    )
    seen = committed(club)
    assert seen == {"ana@example.org": new_name, "ben@example.org": "Ben"}, (
        f"after rename(), a new connection should see Ana's new name {new_name!r} and nothing else changed: {seen}"
    )
    no_connection_left_out(club, "rename")


@pytest.mark.task(5)
def test_rename_of_an_unknown_member_changes_nothing(club: Engine) -> None:
    result = session_basics.rename(sessionmaker(club), 424242, "Nobody")
    assert result is False, f"rename() of an id that no member has should return False, got {result!r}"
    assert committed(club) == {m["email"]: m["name"] for m in SEED}, "no member should change"
    no_connection_left_out(club, "rename")


@pytest.mark.task(4)
def test_try_register_lets_errors_other_than_a_refusal_through(club_session: Session) -> None:
    # A database nobody migrated: no members table. That is a bug to report, not a duplicate email.
    club_session.execute(text("DROP TABLE members"))
    try:
        got = session_basics.try_register(club_session, "Cy", "cy@example.org")
    except IntegrityError as error:
        pytest.fail(f"a missing table is not a duplicate email, yet an IntegrityError came out: {error.orig}")
    except DBAPIError:
        return
    pytest.fail(
        f"try_register() returned {got!r} although the members table does not exist: only the database's "
        "refusal (IntegrityError) means a duplicate email. Catch IntegrityError, not Exception or DBAPIError, "
        "and let every other error reach the caller."
    )
