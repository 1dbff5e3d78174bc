"""Tests for kata 12.2, connection security. Run: pytest katas/12_security/02_connection_security"""

from __future__ import annotations

import datetime
import logging
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import URL, create_engine, event, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import Pool

from fixtures.target import learner_module

cs = learner_module(__file__, "connection_security")

SETTINGS = {"DB_USER": "bookshop_app", "DB_HOST": "db.example.com", "DB_NAME": "shop"}
NASTY_PASSWORD = "p@ss:w/rd#?%&= +x%41y'\"\\\u00e9;--"
# A port nobody listens on: the connection is refused at once.
CLOSED_PORT = 1


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("DB_USER", "DB_PASSWORD", "DB_HOST", "DB_PORT", "DB_NAME", "DB_DRIVER"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def set_settings(monkeypatch: pytest.MonkeyPatch, password: str, **extra: str) -> None:
    for name, value in {**SETTINGS, "DB_PASSWORD": password, **extra}.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="module")
def ca_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A self-signed CA certificate (PEM), made with `cryptography`, to verify servers against."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Kata 12.2 test CA")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = tmp_path_factory.mktemp("ca") / "root.crt"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return str(path)


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_url_from_env_reads_every_part_from_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    set_settings(clean_env, "plain-Secret-7", DB_PORT="6432")
    url = cs.url_from_env()
    assert isinstance(url, URL), (
        f"url_from_env() should return a sqlalchemy URL object, got {type(url).__name__}"
    )
    got = (url.drivername, url.username, url.password, url.host, url.port, url.database)
    expected = ("postgresql+psycopg", "bookshop_app", "plain-Secret-7", "db.example.com", 6432, "shop")
    assert got == expected, (
        f"the URL's (driver, user, password, host, port, database) should be {expected} from the environment, got {got}"
    )
    clean_env.delenv("DB_PORT")
    clean_env.setenv("DB_DRIVER", "postgresql+asyncpg")
    url = cs.url_from_env()
    assert (url.port, url.drivername) == (5432, "postgresql+asyncpg"), (
        "without DB_PORT the port should be 5432, and DB_DRIVER should choose the driver; "
        f"got port {url.port!r}, driver {url.drivername!r}"
    )


@pytest.mark.task(1)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    password=st.text(
        st.characters(codec="utf-8", exclude_characters="\x00") | st.sampled_from(list("@:/#?%&=+ '\"\\;[]")),
        min_size=1,
        max_size=16,
    ).map(lambda s: "Pw!" + s)
)
@example(password=NASTY_PASSWORD)
@example(password="Pw!a%41b")
@example(password="Pw! two words")
def test_passwords_with_any_character_survive_and_stay_hidden(
    clean_env: pytest.MonkeyPatch, password: str
) -> None:
    set_settings(clean_env, password)
    url = cs.url_from_env()
    assert url.password == password, (
        f"the password {password!r} came back as {url.password!r}: build the URL from its parts "
        "(URL.create(...)) instead of pasting the password into a URL string"
    )
    assert (url.username, url.host, url.database) == ("bookshop_app", "db.example.com", "shop"), (
        f"a special character in the password changed the other parts of the URL: {url!r}"
    )
    for shown in (str(url), repr(url), f"{url}"):
        assert password not in shown, f"the URL shown as text must mask the password, got {shown!r}"
    round_trip = make_url(url.render_as_string(hide_password=False))
    assert round_trip.password == password, (
        f"rendered with hide_password=False and parsed again, the password became {round_trip.password!r}"
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("missing", ["DB_USER", "DB_PASSWORD", "DB_HOST", "DB_NAME"])
def test_a_missing_setting_is_refused_by_name(clean_env: pytest.MonkeyPatch, missing: str) -> None:
    set_settings(clean_env, NASTY_PASSWORD)
    clean_env.delenv(missing)
    with pytest.raises(cs.MissingSetting) as raised:
        cs.url_from_env()
    message = str(raised.value)
    assert missing in message, (
        f"the error should name the variable that is missing ({missing}), it says {message!r}"
    )
    assert NASTY_PASSWORD not in message, f"the error must not show the password: {message!r}"


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("sslmode", ["disable", "require", "verify-ca", "verify-full"])
def test_psycopg_gets_libpq_ssl_parameters(sslmode: str, ca_file: str) -> None:
    args = cs.ssl_connect_args("psycopg", sslmode)
    assert args == {"sslmode": sslmode}, (
        f"for psycopg, connect_args should be libpq's own parameter: {{'sslmode': {sslmode!r}}}, got {args!r}"
    )
    args = cs.ssl_connect_args("psycopg", sslmode, ca_file)
    assert args == {"sslmode": sslmode, "sslrootcert": ca_file}, (
        f"with a CA file psycopg also needs 'sslrootcert' (its path); got {args!r}"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize(("sslmode", "checks_host"), [("verify-ca", False), ("verify-full", True)])
def test_asyncpg_verifies_with_an_ssl_context_loaded_with_the_ca(
    sslmode: str, checks_host: bool, ca_file: str
) -> None:
    args = cs.ssl_connect_args("asyncpg", sslmode, ca_file)
    assert set(args) == {"ssl"}, (
        f"asyncpg takes its TLS settings in one 'ssl' argument, got the keys {sorted(args)}"
    )
    context = args["ssl"]
    assert isinstance(context, ssl.SSLContext), (
        f"to check the server against a CA file asyncpg needs an ssl.SSLContext, got {context!r}"
    )
    assert context.verify_mode == ssl.CERT_REQUIRED, f"{sslmode} must require a valid server certificate"
    assert context.check_hostname is checks_host, (
        f"{sslmode} {'checks' if checks_host else 'does not check'} that the certificate names the host "
        f"(check_hostname should be {checks_host})"
    )
    subjects = [
        dict(pair[0] for pair in cert["subject"]).get("commonName") for cert in context.get_ca_certs()
    ]
    assert "Kata 12.2 test CA" in subjects, (
        f"the context should trust the CA certificate in {ca_file} (ssl.create_default_context(cafile=...)); "
        f"the CAs it holds: {subjects[:5]}"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("sslmode", ["disable", "require"])
def test_asyncpg_gets_the_mode_itself_when_nothing_is_verified(sslmode: str) -> None:
    args = cs.ssl_connect_args("asyncpg", sslmode)
    value = args.get("ssl")
    acceptable = value == sslmode or (
        isinstance(value, ssl.SSLContext) and sslmode == "require" and value.verify_mode == ssl.CERT_NONE
    )
    if sslmode == "disable":
        acceptable = acceptable or value is False
    assert set(args) == {"ssl"} and acceptable, (
        f"for asyncpg, {sslmode!r} is passed as ssl={sslmode!r} (asyncpg understands the libpq mode names); got {args!r}"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("driver", "sslmode"),
    [
        ("psycopg", "prefer"),
        ("psycopg", "allow"),
        ("asyncpg", "prefer"),
        ("psycopg", "on"),
        ("psycopg", "REQUIRE"),
        ("pg8000", "require"),
    ],
)
def test_modes_that_fall_back_to_plain_text_and_unknown_drivers_are_refused(
    driver: str, sslmode: str
) -> None:
    with pytest.raises(ValueError):
        cs.ssl_connect_args(driver, sslmode)


@pytest.mark.task(2)
@pytest.mark.backends("postgresql", reason="TLS to the server is a PostgreSQL matter; SQLite is a local file")
def test_require_really_refuses_a_plain_text_connection(database_url: str) -> None:
    url = make_url(database_url).set(drivername="postgresql+psycopg")
    plain = create_engine(url, connect_args=cs.ssl_connect_args("psycopg", "disable"))
    secure = create_engine(url, connect_args=cs.ssl_connect_args("psycopg", "require"))
    try:
        with plain.connect() as connection:
            uses_tls = connection.scalar(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
        assert uses_tls is False, "with sslmode=disable the connection should not use TLS"
        try:
            with secure.connect() as connection:
                uses_tls = connection.scalar(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
        except OperationalError as error:
            # A server without TLS (like the pack's local one): require means "no connection at all".
            assert "SSL" in str(error.orig), f"the refusal should be about SSL, got {error.orig}"
        else:
            assert uses_tls is True, "sslmode=require connected, so the connection must use TLS"
    finally:
        plain.dispose()
        secure.dispose()


@pytest.mark.task(2)
@pytest.mark.backends("postgresql", reason="TLS to the server is a PostgreSQL matter; SQLite is a local file")
async def test_asyncpg_require_really_refuses_a_plain_text_connection(async_database_url: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    secure = create_async_engine(async_database_url, connect_args=cs.ssl_connect_args("asyncpg", "require"))
    try:
        async with secure.connect() as connection:
            uses_tls = await connection.scalar(
                text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            )
        assert uses_tls is True, "ssl='require' connected, so the connection must use TLS"
    except (ConnectionError, OperationalError) as error:
        assert "SSL" in str(error), f"the refusal should be about SSL, got {error}"
    finally:
        await secure.dispose()


# -- task 3 -------------------------------------------------------------------------------------


@dataclass
class ConnectionCounts:
    opened: int = 0
    closed: int = 0


@pytest.fixture
def opened_and_closed() -> Iterator[ConnectionCounts]:
    """Counts the DBAPI connections every pool opens and closes while the test runs."""
    counts = ConnectionCounts()

    def on_connect(*_: object) -> None:
        counts.opened += 1

    def on_close(*_: object) -> None:
        counts.closed += 1

    event.listen(Pool, "connect", on_connect)
    event.listen(Pool, "close", on_close)
    event.listen(Pool, "close_detached", on_close)
    yield counts
    event.remove(Pool, "connect", on_connect)
    event.remove(Pool, "close", on_close)
    event.remove(Pool, "close_detached", on_close)


def closed_port_url() -> URL:
    return URL.create(
        "postgresql+psycopg",
        username="app",
        password=NASTY_PASSWORD,
        host="127.0.0.1",
        port=CLOSED_PORT,
        database="shop",
        query={"connect_timeout": "2"},
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("as_text", [True, False], ids=["url-string", "url-object"])
def test_a_failed_check_reports_without_the_password(caplog: pytest.LogCaptureFixture, as_text: bool) -> None:
    url = closed_port_url()
    given_url = url.render_as_string(hide_password=False) if as_text else url
    caplog.set_level(logging.WARNING, logger="bookshop.db")
    try:
        ok, message = cs.check_database(given_url)
    except Exception as error:  # noqa: BLE001 - the point of the test
        pytest.fail(
            f"check_database should report a failure, not raise it; it raised {error!r}", pytrace=False
        )
    assert ok is False, "nobody listens on port 1, so the check should fail"
    assert NASTY_PASSWORD not in message and "p@ss" not in message and "p%40ss" not in message, (
        f"the message must not carry the password (or its URL-encoded form): {message!r}"
    )
    assert "127.0.0.1:1" in message and "refused" in message.lower(), (
        f"the message should name the host:port (with the password masked) and the driver's reason: {message!r}"
    )
    assert "\n" not in message and "[SQL:" not in message, (
        f"the message should be one line: the URL and the first line of the driver's reason (str(error.orig)), "
        f"not the whole error with SQLAlchemy's statement and background link: {message!r}"
    )
    warnings = [r for r in caplog.records if r.name == "bookshop.db" and r.levelno == logging.WARNING]
    assert warnings, "a failed check should be logged as a WARNING on the 'bookshop.db' logger"
    logged = "\n".join(r.getMessage() for r in warnings)
    assert "127.0.0.1:1" in logged and "p@ss" not in logged and "p%40ss" not in logged, (
        f"the warning should name the database without its password: {logged!r}"
    )


@pytest.mark.task(3)
def test_a_failed_check_on_a_sqlite_file_that_cannot_be_opened(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'no-such-directory' / 'shop.db'}"
    ok, message = cs.check_database(url)
    assert ok is False, f"a database file in a missing directory cannot be opened; got ({ok}, {message!r})"
    assert "unable to open database file" in message, f"the message should carry SQLite's reason: {message!r}"


@pytest.mark.task(3)
def test_a_good_check_reports_ok_with_the_password_masked(
    database_url: str, caplog: pytest.LogCaptureFixture, opened_and_closed: ConnectionCounts
) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        # The local server trusts the user, so a password is sent and ignored: it must still not be shown.
        url = url.set(password=NASTY_PASSWORD)
    caplog.set_level(logging.DEBUG, logger="bookshop.db")
    ok, message = cs.check_database(url.render_as_string(hide_password=False))
    assert ok is True, f"the test database is up, so the check should pass; got ({ok}, {message!r})"
    assert NASTY_PASSWORD not in message and "p%40ss" not in message, (
        f"the message must not show the password: {message!r}"
    )
    assert url.database is not None and url.database in message, (
        f"the message should name the database: {message!r}"
    )
    assert opened_and_closed.opened > 0, "check_database should open a connection to run SELECT 1"
    assert opened_and_closed.closed == opened_and_closed.opened, (
        f"check_database opened {opened_and_closed.opened} database connection(s) and closed "
        f"{opened_and_closed.closed}: a health check that runs every few seconds must not leave connections "
        "open in a pool nobody uses again; dispose of its engine (engine.dispose(), in a finally) or use NullPool"
    )
    assert not any(r.levelno >= logging.WARNING for r in caplog.records if r.name == "bookshop.db"), (
        "a passing check should not log a warning"
    )
