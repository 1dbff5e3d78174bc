"""Tests for kata 12.7, a secure user store. Run: pytest katas/12_security/07_project_secure_application"""

from __future__ import annotations

import hashlib
import hmac
import logging
import random
import traceback
from typing import Any

import argon2
import pytest
from cryptography.fernet import Fernet, InvalidToken
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Connection, ForeignKey, Integer, MetaData, String, Table, insert, select
from sqlalchemy.orm import Session

from fixtures.recording import QueryLog
from fixtures.target import learner_module

app = learner_module(__file__, "project_secure_application")

metadata = MetaData()
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(50), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False),
    Column("email", String(500), nullable=False),
    Column("email_digest", String(64), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
)
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("action", String(50), nullable=False),
)

ANA = {
    "username": "ana",
    "email": "Ana.Marquez@Example.com ",
    "password": "horse-battery-staple-9",
    "display_name": "Ana M\u00e1rquez",
}
BEN = {
    "username": "ben_b",
    "email": "ben@example.org",
    "password": "p@ss'; DROP TABLE users;--",
    "display_name": "Ben 100% Real",
}
HASHER = argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)

# Search data: (username, display name), inserted shuffled; display-name ties ordered by username.
PEOPLE = [
    ("zoe", "Reader"),
    ("adam", "Reader"),
    ("mia_k", "Mia 100% Kim"),
    ("o_brien", "Flann O'Brien"),
    ("bob", "Bob -- the builder"),
    ("carl", "Carl /* admin */"),
    ("dora", "Dora; DROP TABLE users"),
    ("eve", "Caf\u00e9 Eve"),
    ("fred", "Reader"),
]


@pytest.fixture
def db(connection: Connection, session: Session) -> Session:
    metadata.create_all(connection)
    return session


@pytest.fixture
def people(db: Session) -> list[tuple[str, str]]:
    rows = PEOPLE[:]
    random.Random(127).shuffle(rows)
    token = Fernet(app.DATA_KEY)
    db.connection().execute(
        insert(users),
        [
            {
                "username": u,
                "display_name": d,
                "email": token.encrypt(f"{u}@example.com".encode()).decode(),
                "email_digest": hashlib.sha256(u.encode()).hexdigest(),
                "password_hash": HASHER.hash(u),
            }
            for u, d in rows
        ],
    )
    return rows


def create(session: Session, person: dict[str, str], **changes: str) -> Any:
    p = {**person, **changes}
    return app.create_user(session, p["username"], p["email"], p["password"], p["display_name"])


def raw_users(session: Session) -> list[dict[str, Any]]:
    session.flush()  # the learner may leave changes pending for the caller's commit
    return [dict(r) for r in session.connection().execute(select(users).order_by(users.c.id)).mappings()]


def audit_rows(session: Session) -> list[tuple[int | None, str]]:
    session.flush()
    rows = session.connection().execute(
        select(audit_log.c.user_id, audit_log.c.action).order_by(audit_log.c.id)
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def decrypt(raw: Any) -> str:
    try:
        return Fernet(app.DATA_KEY).decrypt(raw).decode()
    except (InvalidToken, TypeError, ValueError):
        pytest.fail(f"the stored email {raw!r} is not a Fernet token made with DATA_KEY", pytrace=False)


def chain_text(error: BaseException | None) -> str:
    parts: list[str] = []
    while error is not None:
        parts += traceback.format_exception_only(type(error), error) + [repr(error.args)]
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return "".join(parts)


def secrets_of(*people: dict[str, str]) -> list[str]:
    out: list[str] = []
    for p in people:
        out += [p["password"], p["email"].strip().lower(), p["email"].strip()]
    return out


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_create_user_stores_a_hash_and_an_encrypted_email_only(db: Session, queries: QueryLog) -> None:
    queries.clear()
    ana = create(db, ANA)
    ben = create(db, BEN)
    assert ana.id is not None and ben.id is not None, "create_user should flush, so the users have ids"
    rows = raw_users(db)
    assert [r["username"] for r in rows] == ["ana", "ben_b"], f"two users should be stored, found {rows}"
    for row, person in zip(rows, (ANA, BEN)):
        normalised = person["email"].strip().lower()
        assert decrypt(row["email"]) == normalised, (
            "the stored email should be the normalised email, Fernet-encrypted"
        )
        expected_digest = hmac.new(app.LOOKUP_KEY, normalised.encode(), hashlib.sha256).hexdigest()
        assert row["email_digest"] == expected_digest, (
            "email_digest should be the HMAC-SHA256 (LOOKUP_KEY) of the normalised email"
        )
        assert row["password_hash"].startswith("$argon2id$"), (
            f"passwords are stored as argon2id hashes, found {row['password_hash']!r}"
        )
        assert argon2.PasswordHasher().verify(row["password_hash"], person["password"]), (
            "the hash should verify the password"
        )
        assert row["display_name"] == person["display_name"], "the display name is public and stored as it is"
        whole_row = " ".join(map(str, row.values()))
        for secret in (person["password"], normalised):
            assert secret not in whole_row, f"{secret!r} is stored in plain text: {row}"
    sent = " ".join(map(str, queries.values_sent()))
    for secret in secrets_of(ANA, BEN):
        assert secret not in sent, (
            f"{secret!r} was sent to the database in plain text (among the bound values); only its hash or "
            "ciphertext should ever leave the process"
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("clash", ["username", "email"])
def test_a_taken_username_or_email_is_refused_quietly(
    db: Session, clash: str, caplog: pytest.LogCaptureFixture
) -> None:
    create(db, ANA)
    intruder = {
        "username": "mallory",
        "email": "mallory@evil.example",
        "password": "s3cret-of-mallory",
        "display_name": "Mallory Realname",
    }
    intruder[clash] = {"username": "ana", "email": "  ANA.MARQUEZ@example.COM"}[clash]
    before = audit_rows(db)
    caplog.set_level(logging.INFO, logger="bookshop.audit")
    caplog.clear()
    with pytest.raises(app.AlreadyRegistered) as raised:
        create(db, intruder)
    created_lines = [
        r.getMessage()
        for r in caplog.records
        if r.name == "bookshop.audit" and "user.created" in r.getMessage()
    ]
    assert not created_lines, (
        f"a refused registration logged {created_lines}: nobody was created, so audit (table and log line) only "
        "after the INSERT succeeded"
    )
    told = chain_text(raised.value)
    for secret in [
        "ana.marquez@example.com",
        "ANA.MARQUEZ",
        "s3cret-of-mallory",
        "mallory@evil.example",
        "Mallory Realname",
    ]:
        assert secret not in told, f"the refusal (with the errors chained to it) shows {secret!r}:\n{told}"
    assert audit_rows(db) == before, "a refused registration should leave no audit entry"
    create(db, BEN)
    assert [r["username"] for r in raw_users(db)] == ["ana", "ben_b"], (
        "after the refusal, Ana stays and Ben can be added: only the failed INSERT may be undone"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_authenticate_accepts_only_the_right_password(db: Session) -> None:
    ana = create(db, ANA)
    create(db, BEN)
    assert app.authenticate(db, "ana", ANA["password"]) is ana, "the right password should return the user"
    for username, password in [
        ("ana", BEN["password"]),
        ("ana", ""),
        ("ana ", ANA["password"]),
        ("nobody", "x"),
        ("ana' --", "x"),
        ("' OR '1'='1", "' OR '1'='1"),
    ]:
        assert app.authenticate(db, username, password) is None, (
            f"authenticate({username!r}, {password!r}) should be None"
        )


@pytest.mark.task(2)
def test_authenticate_survives_an_unreadable_hash(db: Session) -> None:
    db.connection().execute(
        insert(users),
        {
            "username": "legacy",
            "display_name": "L",
            "email": Fernet(app.DATA_KEY).encrypt(b"l@x.org").decode(),
            "email_digest": "d",
            "password_hash": "5f4dcc3b5aa765d61d8327deb882cf99",
        },
    )
    try:
        result = app.authenticate(db, "legacy", "password")
    except Exception as error:  # noqa: BLE001 - the point of the test
        pytest.fail(
            f"an unreadable (MD5) hash should be a failed login, not {type(error).__name__}", pytrace=False
        )
    assert result is None, "an unreadable hash never matches"


@pytest.mark.task(2)
def test_change_password_needs_the_old_one(db: Session) -> None:
    ana = create(db, ANA)

    def stored() -> str:
        db.flush()
        return db.connection().execute(select(users.c.password_hash)).scalar_one()

    before = stored()
    assert app.change_password(db, ana.id, "wrong", "new-pass-1") is False, (
        "a wrong old password should be refused"
    )
    assert stored() == before, "a refused change must not touch the hash"
    assert app.change_password(db, ana.id, ANA["password"], "new-pass-2") is True, (
        "the right old password allows the change"
    )
    db.flush()
    assert stored() != before and argon2.PasswordHasher().verify(stored(), "new-pass-2"), (
        "the new hash should be stored"
    )
    assert app.authenticate(db, "ana", "new-pass-2") is ana, "the new password should work"
    assert app.authenticate(db, "ana", ANA["password"]) is None, "the old password should not"
    assert app.change_password(db, 999_999, "x", "y") is False, "an unknown user id should be refused"


# -- task 3 -------------------------------------------------------------------------------------

SORT_COLUMN = {"username": 0, "display_name": 1}


def expected_search(fragment: str, sort: str = "username", descending: bool = False) -> list[str]:
    rows = [p for p in PEOPLE if fragment.lower() in p[0].lower() or fragment.lower() in p[1].lower()]
    by_name = sorted(rows, key=lambda p: p[0])
    if sort == "joined":
        return [p[0] for p in by_name]  # replaced by the insertion order in the test
    return [p[0] for p in sorted(by_name, key=lambda p: p[SORT_COLUMN[sort]], reverse=descending)]


def search_sql(queries: QueryLog) -> list[str]:
    return [" ".join(s.sql.split()) for s in queries.statements]


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "fragment",
    ["reader", "%", "_", "0%", "o_b", "'", "--", "/*", "; DROP", "caf\u00e9", "READER", "' OR '1'='1", "x"],
)
def test_search_matches_text_literally_and_binds_it(
    db: Session, people: Any, queries: QueryLog, fragment: str
) -> None:
    queries.clear()
    app.search_users(db, "eve")
    baseline = search_sql(queries)
    queries.clear()
    found = app.search_users(db, fragment)
    assert found == expected_search(fragment), (
        f"search_users({fragment!r}) should return {expected_search(fragment)} (username or display name contains the "
        f"text, ASCII case ignored, % and _ literal; by username), got {found}"
    )
    if fragment.isalpha():
        sent = [str(v).lower() for v in queries.values_sent()]
        assert any(fragment.lower() in v for v in sent), (
            f"the search text {fragment!r} should be sent to the database as a bound value, so the database does the "
            f"matching (not Python, on every user loaded); bound values sent: {queries.values_sent()}"
        )
    assert search_sql(queries) == baseline, (
        f"the SQL text changed with the search text {fragment!r}: it must travel as a bound parameter.\n"
        f"  for 'eve': {baseline}\n  for this: {search_sql(queries)}"
    )


@pytest.mark.task(3)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fragment=st.lists(
        st.sampled_from(
            [
                "'",
                '"',
                ";",
                "--",
                "/*",
                "*/",
                "%",
                "_",
                "\\",
                " OR 1=1",
                "e",
                "R",
                "\u20ac",
                "\U0001f600",
                "\u00e9",
            ]
        ),
        max_size=5,
    ).map("".join)
)
def test_search_survives_generated_hostile_text(
    db: Session, people: Any, queries: QueryLog, fragment: str
) -> None:
    queries.clear()
    found = app.search_users(db, fragment)
    assert found == expected_search(fragment), (
        f"search_users({fragment!r}) should return {expected_search(fragment)}, got {found}"
    )
    assert queries.count == 1, f"one SELECT should do the search, the code sent:\n{queries.listing()}"


@pytest.mark.task(3)
@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("sort", ["username", "display_name", "joined"])
def test_search_sorts_by_an_allowed_key_with_ties_by_username(
    db: Session, people: list[tuple[str, str]], sort: str, descending: bool
) -> None:
    found = app.search_users(db, "", sort, descending)
    if sort == "joined":
        expected = [u for u, _ in people][:: -1 if descending else 1]
    else:
        expected = expected_search("", sort, descending)
    assert found == expected, (
        f"search_users('', sort={sort!r}, descending={descending}) should list everyone by {sort} "
        f"({'newest first' if sort == 'joined' and descending else 'as asked'}), ties by username ascending:\n"
        f"  expected {expected}\n  got      {found}"
    )


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "sort", ["password_hash", "email", "id", "username DESC", "username; DROP TABLE users", ""]
)
def test_search_refuses_sort_keys_off_the_allow_list(
    db: Session, people: Any, queries: QueryLog, sort: str
) -> None:
    queries.clear()
    with pytest.raises(app.UnknownSortKey):
        app.search_users(db, "a", sort)
    assert queries.count == 0, (
        f"the sort key {sort!r} should be refused before any SQL is sent:\n{queries.listing()}"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
def test_every_security_event_is_audited_by_user_id(db: Session) -> None:
    ana = create(db, ANA)
    ben = create(db, BEN)
    app.authenticate(db, "ana", ANA["password"])
    app.authenticate(db, "ben_b", "wrong")
    app.authenticate(db, "nobody", "whatever")
    app.change_password(db, ana.id, "wrong", "x1")
    app.change_password(db, ana.id, ANA["password"], "x2")
    expected = [
        (ana.id, "user.created"),
        (ben.id, "user.created"),
        (ana.id, "login.succeeded"),
        (ben.id, "login.failed"),
        (None, "login.failed"),
        (ana.id, "password.change_refused"),
        (ana.id, "password.changed"),
    ]
    got = audit_rows(db)
    assert got == expected, (
        f"the audit log should hold (user_id, action) for each event, in order:\n  expected {expected}\n  got      {got}"
    )


@pytest.mark.task(4)
def test_no_secret_reaches_the_audit_trail_or_the_logs(db: Session, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ana = create(db, ANA)
    create(db, BEN)
    app.authenticate(db, "ana", ANA["password"])
    app.authenticate(db, "ana", "wrong-guess-123")
    # People type their password into the username field: that text must not be recorded either.
    app.authenticate(db, BEN["password"], BEN["password"])
    app.change_password(db, ana.id, ANA["password"], "brand-new-secret-7")
    logged = [r for r in caplog.records if r.name == "bookshop.audit"]
    assert len(logged) >= 6, (
        f"each audit entry should also be logged at INFO on 'bookshop.audit' (6 events); got {[r.getMessage() for r in logged]}"
    )
    assert all(r.levelno == logging.INFO for r in logged), "audit log lines are INFO"
    assert any(str(ana.id) in r.getMessage() and "password.changed" in r.getMessage() for r in logged), (
        "a log line should name the action and the user id, e.g. 'password.changed user_id=1'"
    )
    everything = " ".join(r.getMessage() for r in caplog.records) + " ".join(map(str, audit_rows(db)))
    for secret in secrets_of(ANA, BEN) + ["wrong-guess-123", "brand-new-secret-7"]:
        assert secret not in everything, f"{secret!r} appears in the audit trail or the logs"
