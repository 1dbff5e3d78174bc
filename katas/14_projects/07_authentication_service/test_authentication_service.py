"""Tests for kata 14.7, the sign-in service. Run: pytest katas/14_projects/07_authentication_service

Every test runs on the fast `session` fixture: the kata's tables are created in the test's
transaction and the users, roles and permissions are seeded with Core (in a shuffled order, so that
an unsorted answer shows), then the learner's functions are called.

The hasher passed in is argon2's CHEAPEST profile (tens of microseconds instead of ~150 ms), wrapped
so that the tests can count how often it hashed and verified. The clock is a `now` argument: the
tests pass times years away from the machine's clock, so code that reads the real clock instead
fails.

"Between the read and the write": an event on the test's connection lets another request's failed
login (`UPDATE users SET failed_logins = failed_logins + 1`) land right after the code READ the user,
before its next statement. A counter computed in Python from what was read then loses that failure.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import argon2
import pytest
from sqlalchemy import Connection, event, insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from fixtures.target import learner_module

auth = learner_module(__file__, "authentication_service")


class SpyHasher(argon2.PasswordHasher):
    """A real argon2 PasswordHasher that counts its calls."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hashed = 0
        self.verified = 0

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.hashed += 1
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified += 1
        return super().verify(hash, password)


def cheap_hasher() -> SpyHasher:
    return SpyHasher.from_parameters(argon2.profiles.CHEAPEST)  # type: ignore[return-value]


# An older configuration of the service: still cheap, but other parameters than CHEAPEST's.
OLD_HASHER = argon2.PasswordHasher(time_cost=2, memory_cost=16, parallelism=1, hash_len=16, salt_len=16)

# -- data ------------------------------------------------------------------------------------------

PERMISSIONS = {1: "posts:write", 2: "users:manage", 3: "posts:read", 4: "billing:view", 5: "posts:delete"}
ROLES = {10: "reader", 11: "editor", 12: "admin", 13: "auditor"}
ROLE_PERMISSIONS = {
    10: ["posts:read"],
    11: ["posts:write", "posts:read", "posts:delete"],
    12: ["users:manage", "posts:delete"],  # roles do not nest: admin cannot read posts
    13: ["billing:view", "posts:read"],
}
# user id -> (email, password, failed logins, roles)
USERS = {
    31: ("ann@example.com", "correct horse battery", 0, ["reader", "editor", "auditor"]),
    17: ("bob@example.com", "Tr0ub4dor&3", 0, ["admin"]),
    24: ("cy@example.com", "hunter2 hunter2", 0, []),
    40: ("dee@example.com", "open sesame", 0, ["editor"]),
}
ANN, BOB, CY, DEE = 31, 17, 24, 40
T0 = datetime(2031, 5, 17, 9, 30)  # far from the machine's clock, on purpose


def permissions_expected(user_id: int) -> list[str]:
    return sorted(
        {
            p
            for role in USERS[user_id][3]
            for rid, name in ROLES.items()
            if name == role
            for p in ROLE_PERMISSIONS[rid]
        }
    )


def seed(
    connection: Connection,
    hasher: argon2.PasswordHasher,
    users: dict[int, tuple[str, str, int, list[str]]] = USERS,
) -> None:
    auth.Base.metadata.create_all(connection)
    shuffle = random.Random(147).shuffle
    permissions = list(PERMISSIONS.items())
    shuffle(permissions)
    connection.execute(insert(auth.Permission.__table__), [{"id": i, "name": n} for i, n in permissions])
    roles = list(ROLES.items())
    shuffle(roles)
    connection.execute(insert(auth.Role.__table__), [{"id": i, "name": n} for i, n in roles])
    permission_ids = {name: pid for pid, name in PERMISSIONS.items()}
    role_ids = {name: rid for rid, name in ROLES.items()}
    grants = [
        {"role_id": rid, "permission_id": permission_ids[p]}
        for rid, ps in ROLE_PERMISSIONS.items()
        for p in ps
    ]
    shuffle(grants)
    connection.execute(insert(auth.role_permissions), grants)
    rows = [
        {"id": uid, "email": email, "password_hash": hasher.hash(password), "failed_logins": failed}
        for uid, (email, password, failed, _) in users.items()
    ]
    shuffle(rows)
    connection.execute(insert(auth.User.__table__), rows)
    memberships = [
        {"user_id": uid, "role_id": role_ids[r]} for uid, (_, _, _, rs) in users.items() for r in rs
    ]
    if memberships:
        connection.execute(insert(auth.user_roles), memberships)


@pytest.fixture
def hasher() -> SpyHasher:
    return cheap_hasher()


@pytest.fixture
def db(session: Session, hasher: SpyHasher) -> Session:
    seed(session.connection(), hasher)
    hasher.hashed = 0
    return session


def user_row(session: Session, user_id: int) -> Any:
    users = auth.User.__table__
    return session.connection().execute(select(users).where(users.c.id == user_id)).one()


def failed_logins(session: Session, user_id: int) -> int:
    return int(user_row(session, user_id).failed_logins)


@contextmanager
def refused(kind_name: str, why: str) -> Iterator[list[BaseException]]:
    """Expect the kata's exception `kind_name` (looked up lazily); anything else fails with a sentence."""
    kind = getattr(auth, kind_name)
    caught: list[BaseException] = []
    try:
        yield caught
    except kind as error:
        caught.append(error)
        return
    except Exception as error:  # noqa: BLE001 - judged by the test
        pytest.fail(f"expected {kind_name}: {why}; got {error!r} instead", pytrace=False)
    pytest.fail(f"expected {kind_name}: {why}; nothing was raised", pytrace=False)


def logged_in(session: Session, hasher: argon2.PasswordHasher, email: str, password: str) -> Any:
    try:
        return auth.login(session, hasher, email, password)
    except Exception as error:  # noqa: BLE001 - judged by the test
        pytest.fail(
            f"login({email!r}, <the right password>) should succeed, but raised {error!r}", pytrace=False
        )


# -- task 1: passwords ------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_register_stores_an_argon2_hash_made_by_the_given_hasher_never_the_password(
    db: Session, hasher: SpyHasher, queries: Any
) -> None:
    password = "Plum pudding 1843"
    queries.clear()
    user = auth.register(db, hasher, "eve@example.com", password)
    other = auth.register(db, hasher, "fay@example.com", password)
    assert isinstance(user, auth.User) and user.id is not None, "register should return the new User, flushed"
    with queries.paused():
        stored = user_row(db, user.id)
        stored_other = user_row(db, other.id)
    assert password not in [str(v) for v in stored], (
        "the password itself must never be stored, in any column; store argon2's hash of it"
    )
    assert str(stored.password_hash).startswith("$argon2id$"), (
        f"password_hash should be an argon2id hash string ('$argon2id$v=19$m=...'), found {stored.password_hash!r}: "
        "use the PasswordHasher you are given (hasher.hash(password)), not hashlib"
    )
    assert hasher.verify(stored.password_hash, password), "the stored hash should verify the password"
    assert not hasher.check_needs_rehash(stored.password_hash), (
        "the hash should be made by the hasher passed in (its parameters), not by a PasswordHasher of your own"
    )
    assert stored.password_hash != stored_other.password_hash, (
        "two users with the same password should get different hashes (argon2 salts each hash)"
    )
    leaked = [v for v in queries.values_sent() if isinstance(v, str) and password in v]
    assert not leaked, "the password was sent to the database in a statement; only its hash may be"


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  Eve@Example.COM ", "eve@example.com"),
        ("EVE@EXAMPLE.COM", "eve@example.com"),
        ("eve@example.com\t", "eve@example.com"),
    ],
    ids=["spaces and case", "upper case", "tab"],
)
def test_register_normalises_the_email(db: Session, hasher: SpyHasher, typed: str, stored: str) -> None:
    user = auth.register(db, hasher, typed, "a long passphrase")
    assert user_row(db, user.id).email == stored, (
        f"register({typed!r}) should store the email stripped and lower-cased: {stored!r}"
    )


@pytest.mark.task(1)
def test_a_taken_email_raises_email_taken_and_keeps_earlier_work(db: Session, hasher: SpyHasher) -> None:
    earlier = auth.register(db, hasher, "eve@example.com", "first passphrase")
    with refused("EmailTaken", "ann@example.com is already registered (the same after normalising)"):
        auth.register(db, hasher, "  ANN@example.com", "another passphrase")
    emails = sorted(db.connection().execute(select(auth.User.__table__.c.email)).scalars())
    assert "eve@example.com" in emails, (
        "the user registered just before must still be there: undo only the refused insert "
        "(session.begin_nested() around it), not the whole session (session.rollback())"
    )
    assert emails.count("ann@example.com") == 1, "the taken email must not be stored twice"
    auth.register(db, hasher, "gus@example.com", "third passphrase")
    db.commit()
    assert earlier.id is not None, (
        "after EmailTaken the session should still work (a new register and a commit)"
    )


class RegisteredInBetween:
    """Another request registers `email` while the code runs: right after the code's plain SELECTs
    reading `users` (a check that the email is free), before its next statement (the SAVEPOINT or the
    INSERT). Only the unique constraint at INSERT time knows for sure."""

    def __init__(self, connection: Connection, email: str) -> None:
        self.connection, self.email = connection, email
        self.landed = False

    def before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sql = " ".join(statement.split()).lower()
        if self.landed or (sql.startswith("select") and re.search(r"\bfrom users\b", sql)):
            return
        other = cursor.connection.cursor()
        try:
            other.execute(
                "INSERT INTO users (id, email, password_hash, failed_logins) "
                f"VALUES (99, '{self.email}', '$argon2id$someone-else', 0)"
            )
        finally:
            other.close()
        self.landed = True

    def __enter__(self) -> RegisteredInBetween:  # noqa: PYI034
        event.listen(self.connection, "before_cursor_execute", self.before)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.connection, "before_cursor_execute", self.before)


@pytest.mark.task(1)
def test_an_email_taken_between_a_check_and_the_insert_is_email_taken(db: Session, hasher: SpyHasher) -> None:
    earlier = auth.register(db, hasher, "eve@example.com", "first passphrase")
    with (
        RegisteredInBetween(db.connection(), "hal@example.com") as other_request,
        refused(
            "EmailTaken",
            "another request registered hal@example.com after your code checked that it was free: a SELECT "
            "first is not enough, the INSERT's IntegrityError (inside session.begin_nested()) is the real answer",
        ),
    ):
        auth.register(db, hasher, " Hal@Example.com", "a passphrase")
    assert other_request.landed, "the test could not register hal@example.com while register ran"
    emails = sorted(db.connection().execute(select(auth.User.__table__.c.email)).scalars())
    assert "eve@example.com" in emails and earlier.id is not None, (
        "the user registered just before must still be there: undo only the refused insert "
        "(session.begin_nested() around it), not the whole session"
    )
    assert emails.count("hal@example.com") == 1, "the other request's user should be there, once"


@pytest.mark.task(1)
def test_only_a_unique_violation_is_email_taken(db: Session, hasher: SpyHasher) -> None:
    connection = db.connection()

    def database_busy(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if re.match(r"\s*insert\s+into\s+users\b", statement, re.IGNORECASE):
            raise conn.dialect.loaded_dbapi.OperationalError("database is locked")

    event.listen(connection, "before_cursor_execute", database_busy)
    try:
        auth.register(db, hasher, "ivy@example.com", "a passphrase")
    except auth.EmailTaken:
        pytest.fail(
            "the database failed for another reason (OperationalError: database is locked) and register called "
            "it EmailTaken: catch IntegrityError only, and let any other error propagate",
            pytrace=False,
        )
    except OperationalError:
        return  # the database's own error propagates: right
    else:
        pytest.fail("the INSERT failed, yet register returned as if the user had been added", pytrace=False)
    finally:
        event.remove(connection, "before_cursor_execute", database_busy)


# -- task 2: roles and permissions -------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("user_id", "permission", "expected"),
    [
        (ANN, "posts:write", True),  # through editor
        (ANN, "billing:view", True),  # through auditor, her third role
        (ANN, "users:manage", False),  # bob's, not hers
        (BOB, "posts:read", False),  # admin does not include reader
        (BOB, "users:manage", True),
        (CY, "posts:read", False),  # no roles at all
        (DEE, "posts:delete", True),
        (DEE, "posts:publish", False),  # no such permission
    ],
)
def test_has_permission_answers_in_one_statement(
    db: Session, queries: Any, user_id: int, permission: str, expected: bool
) -> None:
    queries.clear()
    answer = auth.has_permission(db, user_id, permission)
    assert answer is expected or answer == expected, (
        f"has_permission({USERS[user_id][0]}, {permission!r}) should be {expected} "
        f"(their roles: {USERS[user_id][3] or 'none'})"
    )
    queries.assert_count(
        1,
        because="the check is one SELECT joining user_roles, role_permissions and permissions, not a loop over roles",
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("user_id", [ANN, BOB, CY, DEE])
def test_permissions_of_are_each_listed_once_sorted_in_one_statement(
    db: Session, queries: Any, user_id: int
) -> None:
    queries.clear()
    names = auth.permissions_of(db, user_id)
    expected = permissions_expected(user_id)
    assert list(names) == expected, (
        f"permissions_of({USERS[user_id][0]}) should list each permission of their roles once, sorted by name: "
        f"{expected}; got {list(names)} (two roles may grant the same permission: DISTINCT; ORDER BY the name)"
    )
    queries.assert_count(1, because="one SELECT with the joins, whatever the number of roles")


# -- task 3: login and lockout ------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "typed", ["ann@example.com", "  Ann@Example.COM "], ids=["as stored", "to normalise"]
)
def test_login_with_the_right_password_returns_the_user_and_resets_the_counter(
    session: Session, hasher: SpyHasher, typed: str
) -> None:
    seed(session.connection(), hasher, {**USERS, ANN: (*USERS[ANN][:2], 3, USERS[ANN][3])})
    user = logged_in(session, hasher, typed, USERS[ANN][1])
    assert isinstance(user, auth.User) and user.id == ANN, f"login should return ann's User (id {ANN})"
    session.flush()
    assert failed_logins(session, ANN) == 0, (
        "a successful login should set failed_logins back to 0 (3 failures, then the right password: "
        "the next failures count from zero)"
    )


@pytest.mark.task(3)
def test_wrong_password_and_unknown_email_are_the_same_invalid_credentials(
    db: Session, hasher: SpyHasher
) -> None:
    with refused("InvalidCredentials", "the password is wrong") as wrong:
        auth.login(db, hasher, "ann@example.com", "Correct horse battery")
    with refused("InvalidCredentials", "nobody has this email") as unknown:
        auth.login(db, hasher, "zed@example.com", "whatever")
    with refused("InvalidCredentials", "an empty password is a wrong password"):
        auth.login(db, hasher, "bob@example.com", "")
    assert str(wrong[0]) == str(unknown[0]), (
        "a wrong password and an unknown email should give the same message, or the service tells "
        f"anyone which emails are registered: {str(wrong[0])!r} vs {str(unknown[0])!r}"
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("before", [0, 3])
def test_a_failure_is_counted_and_committed_before_raising(
    session: Session, hasher: SpyHasher, before: int
) -> None:
    seed(session.connection(), hasher, {**USERS, BOB: (*USERS[BOB][:2], before, USERS[BOB][3])})
    with refused("InvalidCredentials", "the password is wrong"):
        auth.login(session, hasher, "bob@example.com", "tr0ub4dor&3")
    session.rollback()  # what a request handler does when the call raised
    assert failed_logins(session, BOB) == before + 1, (
        f"a wrong password should add 1 to failed_logins ({before} -> {before + 1}) and commit it before "
        f"raising: the handler rolls back after an exception, and the count must survive it; found "
        f"{failed_logins(session, BOB)}"
    )


class FailureInBetween:
    """After the code's first plain SELECT reading `users`, another request's failed login for
    `user_id` lands (on the same connection, as if committed by then) before the code's next statement."""

    def __init__(self, connection: Connection, user_id: int) -> None:
        self.connection, self.user_id = connection, user_id
        self.armed = self.landed = False

    def before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.armed and not self.landed:
            other = cursor.connection.cursor()
            try:
                other.execute(
                    f"UPDATE users SET failed_logins = failed_logins + 1 WHERE id = {int(self.user_id)}"
                )
            finally:
                other.close()
            self.landed = True

    def after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sql = " ".join(statement.split()).lower()
        if not self.armed and sql.startswith("select") and re.search(r"\bfrom users\b", sql):
            self.armed = True

    def __enter__(self) -> FailureInBetween:  # noqa: PYI034
        event.listen(self.connection, "before_cursor_execute", self.before)
        event.listen(self.connection, "after_cursor_execute", self.after)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.connection, "before_cursor_execute", self.before)
        event.remove(self.connection, "after_cursor_execute", self.after)


@pytest.mark.task(3)
def test_a_failure_counted_between_the_read_and_the_write_is_not_lost(
    session: Session, hasher: SpyHasher
) -> None:
    seed(session.connection(), hasher, {**USERS, BOB: (*USERS[BOB][:2], 2, USERS[BOB][3])})
    with (
        FailureInBetween(session.connection(), BOB) as other_request,
        refused("InvalidCredentials", "the password is wrong"),
    ):
        auth.login(session, hasher, "bob@example.com", "letmein")
    assert other_request.landed, "the test could not place another failed login after the code read the user"
    assert failed_logins(session, BOB) == 4, (
        "bob had 2 failures; another request counted a 3rd right after your code read him, then your code "
        f"counted its own: expected 4, found {failed_logins(session, BOB)}. Computing the new count in "
        "Python from the value read overwrites the other request's; let the database add: "
        "UPDATE users SET failed_logins = failed_logins + 1 (update(User).values(failed_logins=User.failed_logins + 1))"
    )


@pytest.mark.task(3)
def test_a_locked_account_is_refused_even_with_the_right_password_without_checking_it(
    session: Session, hasher: SpyHasher
) -> None:
    limit = auth.MAX_FAILED_LOGINS
    seed(session.connection(), hasher, {**USERS, DEE: (*USERS[DEE][:2], limit, USERS[DEE][3])})
    hasher.verified = 0
    with refused("AccountLocked", f"dee has {limit} failed logins (MAX_FAILED_LOGINS)"):
        auth.login(session, hasher, "dee@example.com", USERS[DEE][1])
    assert hasher.verified == 0, (
        "a locked account is refused before the password is checked (verifying would let an attacker "
        "keep guessing against a locked account, and costs a hash)"
    )


@pytest.mark.task(3)
def test_the_lock_comes_after_exactly_max_failures_in_a_row(db: Session, hasher: SpyHasher) -> None:
    limit = auth.MAX_FAILED_LOGINS
    email, password = USERS[ANN][:2]
    for _ in range(limit - 1):
        with refused("InvalidCredentials", "the password is wrong"):
            auth.login(db, hasher, email, password.upper())
    logged_in(db, hasher, email, password)  # limit - 1 failures: not locked yet, and the counter restarts
    db.commit()
    for attempt in range(1, limit + 1):
        with refused("InvalidCredentials", f"the password is wrong (failure {attempt} after a success)"):
            auth.login(db, hasher, email, password + "!")
    with refused("AccountLocked", f"{limit} failures in a row since the last success"):
        auth.login(db, hasher, email, password)
    assert failed_logins(db, ANN) == limit, f"failed_logins should be {limit} after {limit} failures in a row"


@pytest.mark.task(3)
def test_login_upgrades_a_hash_made_with_old_parameters_and_keeps_a_current_one(
    session: Session, hasher: SpyHasher
) -> None:
    seed(session.connection(), OLD_HASHER)
    session.connection().execute(
        auth.User.__table__.update()
        .where(auth.User.__table__.c.id == DEE)
        .values(password_hash=hasher.hash(USERS[DEE][1]))
    )
    old_hash = user_row(session, BOB).password_hash
    logged_in(session, hasher, "bob@example.com", USERS[BOB][1])
    session.flush()
    new_hash = user_row(session, BOB).password_hash
    assert new_hash != old_hash and not hasher.check_needs_rehash(new_hash), (
        "bob's hash was made with older parameters: after a successful login it should be replaced by "
        "hasher.hash(password) (hasher.check_needs_rehash(stored) tells when)"
    )
    assert hasher.verify(new_hash, USERS[BOB][1]), "the new hash should verify bob's password"
    current = user_row(session, DEE).password_hash
    hasher.hashed = 0
    logged_in(session, hasher, "dee@example.com", USERS[DEE][1])
    session.flush()
    assert user_row(session, DEE).password_hash == current and hasher.hashed == 0, (
        "dee's hash is already made with the hasher's parameters: it should be kept, not hashed again at every login"
    )


# -- task 4: tokens ----------------------------------------------------------------------------------------


def sha256_hex(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_rows(session: Session) -> list[Any]:
    return list(session.connection().execute(select(auth.ApiToken.__table__)).all())


@pytest.mark.task(4)
def test_an_issued_token_is_random_and_only_its_sha256_digest_is_stored(db: Session, queries: Any) -> None:
    queries.clear()
    first = auth.issue_token(db, ANN, T0)
    second = auth.issue_token(db, ANN, T0)
    assert isinstance(first, str) and len(first) >= 43, (
        f"a token should carry at least 32 random bytes (secrets.token_urlsafe(32) is 43 characters); got {first!r}"
    )
    assert first != second, (
        "two tokens issued to the same user at the same time must differ: make them random"
    )
    with queries.paused():
        rows = token_rows(db)
    assert len(rows) == 2, f"each issue_token should store one api_tokens row; found {len(rows)}"
    by_hash = {row.token_hash: row for row in rows}
    for token in (first, second):
        assert sha256_hex(token) in by_hash, (
            "api_tokens.token_hash should be the SHA-256 hex digest of the token (token_digest(token))"
        )
        row = by_hash[sha256_hex(token)]
        assert token not in [str(v) for v in row], "the token itself must never be stored, only its digest"
        assert row.user_id == ANN and row.expires_at == T0 + auth.TOKEN_LIFETIME, (
            f"the token should belong to the user and expire at now + lifetime ({T0 + auth.TOKEN_LIFETIME}); "
            f"found user {row.user_id}, expires_at {row.expires_at}"
        )
    assert auth.token_digest(first) == sha256_hex(first), "token_digest should be the SHA-256 hex digest"
    sent = [v for v in queries.values_sent() if isinstance(v, str) and (first in v or second in v)]
    assert not sent, "a token was sent to the database; only its digest may be"


@pytest.mark.task(4)
def test_a_token_is_looked_up_by_its_digest_in_one_statement(db: Session, queries: Any) -> None:
    tokens = {uid: auth.issue_token(db, uid, T0) for uid in (BOB, ANN, DEE)}
    db.expunge_all()  # a lookup must go to the database, not to objects left in the session
    queries.clear()
    user = auth.user_for_token(db, tokens[ANN], T0 + timedelta(minutes=5))
    assert user is not None and user.id == ANN, (
        "user_for_token should return the User the token was issued to"
    )
    values = queries.values_sent()
    assert sha256_hex(tokens[ANN]) in values, (
        "the SELECT should find the row by its digest (WHERE token_hash = :digest), not load tokens and "
        "compare them in Python"
    )
    assert tokens[ANN] not in values, "the token itself should never be sent, only its digest"
    queries.assert_count(1, because="one SELECT of the token joined to its user")


@pytest.mark.task(4)
@pytest.mark.parametrize("start", [T0, datetime(2019, 2, 3, 23, 45)], ids=["in 2031", "in 2019"])
@pytest.mark.parametrize(
    ("after", "valid"),
    [
        (timedelta(0), True),
        (timedelta(minutes=59, seconds=59), True),
        (timedelta(hours=1), False),  # valid while now < expires_at
        (timedelta(hours=1, microseconds=1), False),
        (timedelta(days=400), False),
    ],
    ids=["just issued", "a second before", "at expiry", "just after", "a year later"],
)
def test_a_token_expires_by_the_clock_passed_in(
    db: Session, start: datetime, after: timedelta, valid: bool
) -> None:
    token = auth.issue_token(db, BOB, start)
    user = auth.user_for_token(db, token, start + after)
    verdict = "accepted" if valid else "refused (None)"
    assert (user is not None and user.id == BOB) if valid else user is None, (
        f"a token issued at {start} lives {auth.TOKEN_LIFETIME}: at {start + after} it should be {verdict}. "
        "Compare expires_at with the `now` given (the caller's clock), never the machine's clock; "
        "valid while now < expires_at"
    )


@pytest.mark.task(4)
def test_unknown_tampered_and_empty_tokens_are_refused(db: Session) -> None:
    token = auth.issue_token(db, ANN, T0)
    other = auth.issue_token(db, BOB, T0)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    now = T0 + timedelta(minutes=1)
    for bad in (tampered, token + "x", "", " ", token.upper() if token.upper() != token else token.lower()):
        assert auth.user_for_token(db, bad, now) is None, f"the token {bad!r} was never issued: expected None"
    found = auth.user_for_token(db, other, now)
    assert found is not None and found.id == BOB, "bob's token should give bob"


@pytest.mark.task(4)
def test_a_revoked_token_is_refused_and_the_users_other_tokens_stay(db: Session) -> None:
    phone = auth.issue_token(db, ANN, T0)
    laptop = auth.issue_token(db, ANN, T0)
    assert auth.revoke_token(db, phone) is True, "revoke_token should return True when it deleted a token"
    now = T0 + timedelta(minutes=1)
    assert auth.user_for_token(db, phone, now) is None, "a revoked token must be refused"
    still = auth.user_for_token(db, laptop, now)
    assert still is not None and still.id == ANN, (
        "revoking one token must leave the user's other tokens valid"
    )
    assert auth.revoke_token(db, phone) is False, "revoking a token that is gone should return False"
    assert len(token_rows(db)) == 1, "the revoked token's row should be deleted"


# -- task 5: put together -----------------------------------------------------------------------------------


@pytest.mark.task(5)
@pytest.mark.parametrize(
    ("user_id", "permission"), [(ANN, "billing:view"), (DEE, "posts:delete"), (BOB, "users:manage")]
)
def test_authorize_returns_the_user_within_two_statements(
    db: Session, queries: Any, user_id: int, permission: str
) -> None:
    token = auth.issue_token(db, user_id, T0)
    db.expunge_all()
    queries.clear()
    user = auth.authorize(db, token, permission, T0 + timedelta(minutes=30))
    assert user is not None and user.id == user_id, (
        f"authorize should return the token's user ({USERS[user_id][0]})"
    )
    queries.assert_at_most(2, because="one SELECT for the token and its user, one for the permission check")


@pytest.mark.task(5)
def test_authorize_refuses_bad_tokens_as_unauthenticated_and_missing_permissions_as_forbidden(
    db: Session,
) -> None:
    token = auth.issue_token(db, BOB, T0)
    with refused("Unauthenticated", "the token expired an hour after it was issued"):
        auth.authorize(db, token, "users:manage", T0 + timedelta(hours=2))
    with refused("Unauthenticated", "the token was never issued"):
        auth.authorize(db, "not-a-token", "users:manage", T0)
    with refused("Forbidden", "bob (admin) has no posts:read: roles do not nest"):
        auth.authorize(db, token, "posts:read", T0 + timedelta(minutes=1))
    assert issubclass(auth.Forbidden, auth.AuthError) and issubclass(auth.Unauthenticated, auth.AuthError), (
        "the exceptions are given as AuthErrors: keep them so"
    )
