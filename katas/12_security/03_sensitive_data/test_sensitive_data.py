"""Tests for kata 12.3, sensitive data. Run: pytest katas/12_security/03_sensitive_data"""

from __future__ import annotations

import hashlib
import hmac
import logging
import traceback
from typing import Any

import argon2
import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.orm import Session

from fixtures.recording import QueryLog
from fixtures.target import learner_module

sd = learner_module(__file__, "sensitive_data")

# The test's own copy of the schema (the kata's model maps the same table).
metadata = MetaData()
customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(500), nullable=False),
    Column("email_digest", String(64), nullable=False, unique=True),
    Column("full_name", String(100), nullable=False),
    Column("phone", String(500)),
    Column("password_hash", String(200), nullable=False),
)

ANA = {
    "email": "ana@example.com",
    "full_name": "Ana Marquez",
    "password": "correct horse battery",
    "phone": "+34 600 111 222",
}
ZOE = {
    "email": "zo\u00eb@example.org",
    "full_name": "Zo\u00eb \u00c4mmer",
    "password": "p@ss'w\u00f6rd\U0001f511",
    "phone": None,
}

# Any hasher checks any argon2 hash (the parameters are written in it); the upgrade test needs an old one.
OLD_HASHER = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, hash_len=16, salt_len=8)


@pytest.fixture
def db(session: Session) -> Session:
    metadata.create_all(session.connection())
    return session


def raw_rows(session: Session) -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in session.connection().execute(select(customers).order_by(customers.c.id)).mappings()
    ]


def fernet_decrypt(raw: Any) -> str:
    try:
        return Fernet(sd.DATA_KEY).decrypt(raw).decode("utf-8")
    except (InvalidToken, TypeError, ValueError) as error:
        pytest.fail(
            f"the stored value {raw!r} is not a Fernet token made with DATA_KEY ({type(error).__name__}): "
            "encrypt with Fernet(DATA_KEY).encrypt(...) in process_bind_param",
            pytrace=False,
        )


def personal_data(*people: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for person in people:
        found += [person["email"], person["full_name"], person["password"]]
        if person["phone"]:
            found.append(person["phone"])
    return found


def exception_chain_text(error: BaseException | None) -> str:
    """What a log shows of an exception and the ones chained to it (as traceback printing follows them)."""
    parts: list[str] = []
    while error is not None:
        parts += traceback.format_exception_only(type(error), error) + [repr(error.args)]
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return "".join(parts)


def reg(session: Session, person: dict[str, Any], email: str | None = None) -> Any:
    return sd.register(
        session, email or person["email"], person["full_name"], person["password"], person["phone"]
    )


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("email", "phone"),
    [
        ("ana@example.com", "+34 600 111 222"),
        ("zo\u00eb@example.org", "\u7535\u8bdd 138-0000-0000"),
        ("x@y.z", "\U0001f4de 1"),
    ],
)
def test_encrypted_columns_hold_fernet_ciphertext_not_plaintext(db: Session, email: str, phone: str) -> None:
    for digest in ("d1", "d2"):  # the same plaintext twice
        db.add(sd.Customer(email=email, email_digest=digest, full_name="N", phone=phone, password_hash="h"))
    db.flush()
    rows = raw_rows(db)
    for column, plaintext in (("email", email), ("phone", phone)):
        raw = rows[0][column]
        shown = raw.decode() if isinstance(raw, bytes) else str(raw)
        assert plaintext not in shown, f"the {column} column holds the plaintext {plaintext!r}: {raw!r}"
        assert fernet_decrypt(raw) == plaintext, (
            f"the {column} column should decrypt (Fernet, DATA_KEY) to {plaintext!r}"
        )
        assert rows[0][column] != rows[1][column], (
            f"the same {column} was stored twice as the same ciphertext {raw!r}: Fernet uses a random IV, so "
            "equal plaintexts must give different tokens (else equal values can be spotted in the table)"
        )


@pytest.mark.task(1)
def test_stored_ciphertext_is_decrypted_when_loaded(db: Session) -> None:
    token = Fernet(sd.DATA_KEY)
    db.connection().execute(
        insert(customers),
        {
            "email": token.encrypt(b"ben@example.com").decode(),
            "email_digest": "d",
            "full_name": "Ben",
            "phone": token.encrypt(b"+44 7700 900123").decode(),
            "password_hash": "h",
        },
    )
    customer = db.scalars(select(sd.Customer)).one()
    assert (customer.email, customer.phone) == ("ben@example.com", "+44 7700 900123"), (
        "loading a row should decrypt the columns (process_result_value); got "
        f"email={customer.email!r}, phone={customer.phone!r}"
    )
    emails = db.scalars(select(sd.Customer.email)).all()
    assert emails == ["ben@example.com"], f"selecting the column alone should decrypt it too, got {emails}"


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "stored",
    [
        pytest.param("eve@example.com", id="plaintext"),
        pytest.param(Fernet(Fernet.generate_key()).encrypt(b"eve@example.com").decode(), id="another-key"),
    ],
)
def test_a_value_that_is_not_a_token_of_the_key_fails_loudly(db: Session, stored: str) -> None:
    db.connection().execute(
        insert(customers),
        {"email": stored, "email_digest": "d", "full_name": "Eve", "phone": None, "password_hash": "h"},
    )
    try:
        loaded = db.scalars(select(sd.Customer.email)).one()
    except Exception:  # noqa: BLE001 - InvalidToken, or the learner's own error: any loud failure
        return
    pytest.fail(
        f"a stored email that is not a Fernet token of DATA_KEY ({stored[:20]!r}...) loaded as {loaded!r}: a "
        "value that fails to decrypt has been tampered with or written with another key, and must raise "
        "(Fernet's InvalidToken), never come back as it is",
        pytrace=False,
    )


@pytest.mark.task(1)
def test_null_stays_null_and_an_empty_string_stays_an_empty_string(db: Session) -> None:
    db.add_all(
        [
            sd.Customer(email="a@x.org", email_digest="d1", full_name="A", phone=None, password_hash="h"),
            sd.Customer(email="b@x.org", email_digest="d2", full_name="B", phone="", password_hash="h"),
        ]
    )
    db.flush()
    rows = raw_rows(db)
    assert rows[0]["phone"] is None, (
        f"a missing phone (None) should be stored as NULL, not encrypted: {rows[0]['phone']!r}"
    )
    assert rows[1]["phone"] not in (None, ""), (
        "an empty phone ('') is a value: it should be stored encrypted, not as NULL or ''"
    )
    assert fernet_decrypt(rows[1]["phone"]) == "", "the encrypted empty phone should decrypt to ''"
    db.expire_all()
    phones = db.scalars(select(sd.Customer.phone).order_by(sd.Customer.id)).all()
    assert phones == [None, ""], (
        f"read back, the phones should be [None, ''] (NULL and '' are different), got {phones}"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("email", ["ana@example.com", "  Ana@Example.COM ", "zo\u00eb@example.org", ""])
def test_email_digest_is_a_keyed_hash_of_the_normalised_email(email: str) -> None:
    expected = hmac.new(sd.LOOKUP_KEY, email.strip().lower().encode(), hashlib.sha256).hexdigest()
    got = sd.email_digest(email)
    assert got == expected, (
        f"email_digest({email!r}) should be HMAC-SHA256 with LOOKUP_KEY of {email.strip().lower()!r}, in hex "
        f"({expected}); got {got!r}. A plain SHA-256 can be reversed for known emails by anyone with a list of them."
    )


@pytest.mark.task(2)
def test_register_stores_encrypted_email_digest_and_argon2_hash(db: Session) -> None:
    ana = reg(db, ANA, "  Ana@Example.COM ")
    zoe = reg(db, ZOE)
    assert ana.id is not None and zoe.id is not None, "register() should flush, so the customers have ids"
    rows = raw_rows(db)
    assert len(rows) == 2, f"two customers should be stored, found {len(rows)}"
    for row, person in zip(rows, (ANA, ZOE)):
        assert fernet_decrypt(row["email"]) == person["email"], (
            "the stored email should be the normalised one, encrypted"
        )
        assert row["email_digest"] == sd.email_digest(person["email"]), (
            "the digest column should hold email_digest(email)"
        )
        stored = row["password_hash"]
        assert stored.startswith("$argon2id$"), (
            f"the password should be stored as an argon2id hash, found {stored!r}"
        )
        assert argon2.PasswordHasher().verify(stored, person["password"]), (
            "the stored hash should verify the password"
        )
        text_of_row = " ".join(str(v) for v in row.values())
        for secret in (person["password"], person["email"], person["phone"] or "\0"):
            assert secret not in text_of_row, f"{secret!r} is stored in plain text in {row}"
    same = reg(db, {**ANA, "email": "other@example.com"})
    with db.no_autoflush:
        assert same.password_hash != ana.password_hash, (
            "the same password must give different hashes (a random salt)"
        )


@pytest.mark.task(2)
def test_a_taken_email_is_refused_without_personal_data_and_the_session_goes_on(db: Session) -> None:
    reg(db, ANA)
    with pytest.raises(sd.EmailTaken) as raised:
        reg(
            db,
            {**ANA, "full_name": "Mallory Imposter", "password": "other pw", "phone": "+1 555 0100"},
            " ANA@example.com",
        )
    error = raised.value
    told = exception_chain_text(error)
    for secret in ["ana@example.com", "ANA@example.com", "Mallory Imposter", "other pw", "+1 555 0100"]:
        assert secret not in told, (
            f"the EmailTaken error (its message and the errors chained to it, as a logged traceback prints them) shows {secret!r}:\n{told}\n"
            "An IntegrityError's text lists every bound value (and PostgreSQL adds 'DETAIL: Key (...)=(...)'): "
            "raise your own error `from None`, with a message that names no one."
        )
    reg(db, ZOE)
    count = db.connection().execute(select(func.count()).select_from(customers)).scalar_one()
    assert count == 2, (
        f"after the refused registration, Ana and Zoë should both be stored, found {count} rows: only the failed "
        "INSERT may be undone (a savepoint, or checking first), not the session's earlier work"
    )


@pytest.mark.task(2)
def test_find_by_email_looks_up_the_digest_in_sql(db: Session, queries: QueryLog) -> None:
    reg(db, ANA)
    zoe = reg(db, ZOE)
    db.flush()
    queries.clear()
    found = sd.find_by_email(db, " ZO\u00cb@example.org")
    assert found is zoe, f"find_by_email should find Zoë whatever the case and spaces, got {found!r}"
    digest = sd.email_digest(ZOE["email"])
    assert digest in queries.values_sent(), (
        "the lookup should happen in SQL by the digest (WHERE email_digest = :digest): the email itself is "
        f"encrypted with a random IV, so it cannot be compared in SQL. Sent:\n{queries.listing()}"
    )
    assert sd.find_by_email(db, "nobody@example.com") is None, "an unknown email should give None"


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_verify_password_accepts_the_right_password_only(db: Session) -> None:
    ana = reg(db, ANA)
    reg(db, ZOE)
    assert sd.verify_password(db, " ana@EXAMPLE.com", ANA["password"]) is ana, (
        "the right password should return the customer"
    )
    for email, password in [
        (ANA["email"], "correct horse battery "),
        (ANA["email"], ""),
        (ANA["email"], ZOE["password"]),
        ("nobody@x.org", "pw"),
    ]:
        assert sd.verify_password(db, email, password) is None, (
            f"verify_password({email!r}, {password!r}) should be None"
        )


@pytest.mark.task(3)
def test_a_hash_that_cannot_be_read_is_a_failed_login_not_a_crash(db: Session) -> None:
    db.connection().execute(
        insert(customers),
        {
            "email": Fernet(sd.DATA_KEY).encrypt(b"old@example.com").decode(),
            "email_digest": sd.email_digest("old@example.com"),
            "full_name": "Old",
            "phone": None,
            "password_hash": "5f4dcc3b5aa765d61d8327deb882cf99",
        },
    )
    try:
        result = sd.verify_password(db, "old@example.com", "password")
    except Exception as error:  # noqa: BLE001 - the point of the test
        pytest.fail(
            f"a stored hash argon2 cannot read (an old MD5) raised {type(error).__name__}; it should just fail the "
            "login (None). Note that argon2's InvalidHashError is not a VerificationError.",
            pytrace=False,
        )
    assert result is None, f"an unreadable hash should give None, got {result!r}"


@pytest.mark.task(3)
def test_an_old_hash_is_upgraded_after_a_successful_login_only(db: Session) -> None:
    old_hash = OLD_HASHER.hash(ANA["password"])
    db.connection().execute(
        insert(customers),
        {
            "email": Fernet(sd.DATA_KEY).encrypt(ANA["email"].encode()).decode(),
            "email_digest": sd.email_digest(ANA["email"]),
            "full_name": ANA["full_name"],
            "phone": None,
            "password_hash": old_hash,
        },
    )
    stored = lambda: db.connection().execute(select(customers.c.password_hash)).scalar_one()
    assert sd.verify_password(db, ANA["email"], "wrong") is None, "a wrong password should give None"
    assert stored() == old_hash, "a failed login must not touch the stored hash"
    assert sd.verify_password(db, ANA["email"], ANA["password"]) is not None, (
        "the old hash should still verify"
    )
    new_hash = stored()
    assert new_hash != old_hash, (
        "after a successful login with a hash made with other parameters (check_needs_rehash), the hash should be "
        "replaced by one from password_hasher, and flushed"
    )
    assert not sd.password_hasher.check_needs_rehash(new_hash), (
        f"the new hash should use today's parameters: {new_hash}"
    )
    assert sd.password_hasher.verify(new_hash, ANA["password"]), (
        "the new hash should verify the same password"
    )
    sd.verify_password(db, ANA["email"], ANA["password"])
    assert stored() == new_hash, "a hash that is already up to date must not be replaced at every login"


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
def test_repr_identifies_a_customer_without_personal_data(db: Session) -> None:
    ana = reg(db, ANA)
    shown = repr(ana)
    assert str(ana.id) in shown, f"repr should still identify the customer by id, got {shown!r}"
    for secret in personal_data(ANA) + [ana.password_hash, ana.email_digest]:
        assert secret not in shown, (
            f"repr(customer) shows {secret!r}: it ends up in logs, tracebacks and debuggers"
        )


@pytest.mark.task(4)
def test_logs_name_the_customer_by_id_only(db: Session, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ana = reg(db, ANA)
    reg(db, ZOE)
    sd.find_by_email(db, ANA["email"])
    sd.verify_password(db, ANA["email"], ANA["password"])
    sd.verify_password(db, ZOE["email"], "wrong")
    mine = [r for r in caplog.records if r.name == "bookshop.customers"]
    assert any(r.levelno == logging.INFO and str(ana.id) in r.getMessage() for r in mine), (
        f"register() should log 'customer <id> registered' at INFO on 'bookshop.customers'; logged: {[r.getMessage() for r in mine]}"
    )
    for record in caplog.records:
        message = record.getMessage()
        for secret in personal_data(ANA, ZOE):
            assert secret not in message, f"a log line ({record.name}) carries {secret!r}: {message!r}"
