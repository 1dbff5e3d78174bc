"""Tests for kata 1.4, database engines. Run: pytest katas/01_fundamentals/04_database_engines"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import URL, Engine, create_engine, event, exc, make_url, text

from fixtures.target import learner_module

database_engines = learner_module(__file__, "database_engines")


@pytest.fixture
def made() -> Iterator[list[Engine]]:
    """Engines the test got from the learner's code: disposed at the end, whatever happened."""
    engines: list[Engine] = []
    yield engines
    for engine in engines:
        engine.dispose()


def keep(made: list[Engine], engine: Any) -> Engine:
    assert isinstance(engine, Engine), f"expected an Engine (what create_engine() returns), got {engine!r}"
    made.append(engine)
    return engine


def live_url(engine: Engine) -> URL:
    """The URL of the test database (SQLite file or PostgreSQL), password included."""
    return make_url(engine.url.render_as_string(hide_password=False))


# -- task 1: a SQLite file -------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize("folder", ["data", "shop data ?v=2 #1 100%"], ids=["plain folder", "odd folder name"])
def test_sqlite_file_engine_puts_the_database_in_that_file(tmp_path: Path, made: list[Engine], folder: str) -> None:
    directory = tmp_path / folder
    directory.mkdir()
    engine = keep(made, database_engines.sqlite_file_engine(directory, "shop.db"))
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    expected = directory / "shop.db"
    assert expected.exists(), (
        f"after connecting, the database file should exist at {expected}; found "
        f"{sorted(p.name for p in directory.iterdir()) or 'nothing'} in that directory "
        f"(the engine's URL is {engine.url!r}). Build the URL with URL.create('sqlite', database=path): "
        "pasted into a URL string, a '?' or '#' in the path starts the query string"
    )


@pytest.mark.task(1)
def test_sqlite_file_engine_keeps_committed_data_after_dispose(tmp_path: Path, made: list[Engine]) -> None:
    first = keep(made, database_engines.sqlite_file_engine(tmp_path, "stock.db"))
    with first.begin() as connection:
        connection.execute(text("CREATE TABLE books (title VARCHAR(100))"))
        connection.execute(text("INSERT INTO books VALUES ('Dune'), ('Kindred')"))
    first.dispose()  # closes every pooled connection: an in-memory database would be gone now
    second = keep(made, database_engines.sqlite_file_engine(tmp_path, "stock.db"))
    with second.connect() as connection:
        try:
            titles = connection.execute(text("SELECT title FROM books ORDER BY title")).scalars().all()
        except exc.OperationalError:
            titles = None
    assert titles == ["Dune", "Kindred"], (
        "a second engine on the same file should see the two committed books after the first engine "
        f"was disposed; it saw {titles!r} (None: no books table at all, so the data was not in that file)"
    )


# -- task 2: in-memory SQLite -----------------------------------------------------------------------


def book_count_in_another_thread(engine: Engine) -> object:
    outcome: list[object] = []

    def work() -> None:
        try:
            with engine.connect() as connection:
                outcome.append(connection.execute(text("SELECT count(*) FROM books")).scalar_one())
        except Exception as error:  # reported by the test, in words
            outcome.append(error)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=10)
    return outcome[0] if outcome else "no answer within 10 s"


@pytest.mark.task(2)
def test_sqlite_memory_engine_shares_one_database_between_connections(made: list[Engine]) -> None:
    engine = keep(made, database_engines.sqlite_memory_engine())
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE books (title VARCHAR(100))"))
        connection.execute(text("INSERT INTO books VALUES ('Dune')"))
    with engine.connect() as connection:
        try:
            count = connection.execute(text("SELECT count(*) FROM books")).scalar_one()
        except exc.OperationalError as error:
            count = error
    assert count == 1, (
        "a table created and committed on one connection should be there on the next connection "
        f"of the same engine; the next connection got {count!r}"
    )


@pytest.mark.task(2)
def test_sqlite_memory_engine_shares_the_database_with_other_threads(made: list[Engine]) -> None:
    engine = keep(made, database_engines.sqlite_memory_engine())
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE books (title VARCHAR(100))"))
        connection.execute(text("INSERT INTO books VALUES ('Dune'), ('Kindred')"))
    seen = book_count_in_another_thread(engine)
    assert seen == 2, (
        "a worker thread using the engine should see the same in-memory database (2 books); it got "
        f"{seen!r}. Each sqlite3 connection to ':memory:' is its own database, and the default pool "
        "gives each thread its own connection: which pool hands out a single connection to everyone, "
        "and what does sqlite3's check_same_thread forbid?"
    )


@pytest.mark.task(2)
def test_sqlite_memory_engine_databases_are_private_and_live_in_memory(made: list[Engine]) -> None:
    first = keep(made, database_engines.sqlite_memory_engine())
    second = keep(made, database_engines.sqlite_memory_engine())
    with first.begin() as connection:
        connection.execute(text("CREATE TABLE books (title VARCHAR(100))"))
    with second.connect() as connection:
        others = connection.execute(text("SELECT name FROM sqlite_master")).scalars().all()
    assert others == [], (
        f"each call should give a new, empty database, but the second engine sees {others}: "
        "the two engines share one database (a shared-cache name or a file?)"
    )
    first.dispose()
    with first.connect() as connection:
        left = connection.execute(text("SELECT name FROM sqlite_master")).scalars().all()
    assert left == [], (
        f"after dispose() an in-memory database is gone, but the engine still sees tables {left}: "
        "the data is stored somewhere else than in memory"
    )


# -- task 3: server URLs ----------------------------------------------------------------------------

PASSWORDS = ["plain", "p@ss/w:rd%?#"]


@pytest.mark.task(3)
@pytest.mark.parametrize("password", PASSWORDS)
def test_server_url_for_postgresql_uses_psycopg_and_keeps_every_part(password: str) -> None:
    url = database_engines.server_url("postgresql", "db.example.com", 6543, "shop", password, "books")
    assert isinstance(url, URL), f"server_url() should return a sqlalchemy URL object, got {url!r}"
    assert url.drivername == "postgresql+psycopg", (
        f"the driver part should be 'postgresql+psycopg' (psycopg 3), got {url.drivername!r}; "
        "plain 'postgresql' means psycopg2, which is not installed"
    )
    again = make_url(url.render_as_string(hide_password=False))
    parts = (again.host, again.port, again.username, again.password, again.database)
    assert parts == ("db.example.com", 6543, "shop", password, "books"), (
        f"written out and parsed back, the URL should give host, port, user, password, database "
        f"{('db.example.com', 6543, 'shop', password, 'books')}, got {parts}"
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("password", PASSWORDS)
def test_server_url_for_mysql_uses_pymysql_and_utf8mb4(password: str) -> None:
    url = database_engines.server_url("mysql", "warehouse", 3306, "stock", password, "inventory")
    assert isinstance(url, URL), f"server_url() should return a sqlalchemy URL object, got {url!r}"
    dialect = url.get_dialect()  # loads the dialect class only; create_engine() would import pymysql
    assert (dialect.name, dialect.driver) == ("mysql", "pymysql"), (
        f"expected the MySQL dialect with the pymysql driver ('mysql+pymysql'), got {url.drivername!r}"
    )
    assert dict(url.query) == {"charset": "utf8mb4"}, (
        f"a MySQL URL should carry ?charset=utf8mb4 (MySQL's 'utf8' stores 3 bytes per character "
        f"at most: no emoji), got the query {dict(url.query)}"
    )
    again = make_url(url.render_as_string(hide_password=False))
    parts = (again.host, again.port, again.username, again.password, again.database)
    assert parts == ("warehouse", 3306, "stock", password, "inventory"), (
        f"written out and parsed back, the URL should give {('warehouse', 3306, 'stock', password, 'inventory')}, "
        f"got {parts}"
    )


@pytest.mark.task(3)
@pytest.mark.backends("postgresql", reason="connects to the PostgreSQL server the tests run on")
def test_server_url_connects_to_the_postgresql_server(engine: Engine, made: list[Engine]) -> None:
    live = live_url(engine)
    # With trust authentication the server ignores the password; it must still not break the URL.
    password = live.password or "p@ss/w:rd"
    url = database_engines.server_url(
        "postgresql", live.host, live.port or 5432, live.username, password, live.database
    )
    server = keep(made, create_engine(url))
    with server.connect() as connection:
        name = connection.execute(text("SELECT current_database()")).scalar_one()
    assert name == live.database, f"connected to database {name!r}, expected {live.database!r}"


# -- task 4: settings -------------------------------------------------------------------------------


def settings_for(url: URL, **db: str) -> dict[str, Any]:
    return {
        "app.title": "Bookshop",
        "cache.url": "redis://localhost:6379/0",
        "db.url": url.render_as_string(hide_password=False),
        **{f"db.{key}": value for key, value in db.items()},
    }


@pytest.mark.task(4)
@pytest.mark.parametrize(("size", "timeout", "echo"), [("3", "7", "false"), ("8", "2", "true")])
def test_engine_from_settings_applies_the_db_options(
    engine: Engine, made: list[Engine], size: str, timeout: str, echo: str
) -> None:
    url = live_url(engine)
    settings = settings_for(url, pool_size=size, pool_timeout=timeout, echo=echo)
    configured = keep(made, database_engines.engine_from_settings(settings))
    assert configured.url == url, f"the engine should use db.url {url!r}, it uses {configured.url!r}"
    got = (configured.pool.size(), configured.pool.timeout(), bool(configured.echo))  # type: ignore[attr-defined]
    expected = (int(size), float(timeout), echo == "true")
    assert got == expected, (
        f"with db.pool_size={size!r}, db.pool_timeout={timeout!r}, db.echo={echo!r} the engine should "
        f"have pool.size() {expected[0]}, pool.timeout() {expected[1]} and echo {expected[2]}; got "
        f"{got[:2] + (configured.echo,)}. The values are strings: something must turn '8' into 8 and "
        "'false' into False (the string 'false' is not empty, so it is true)"
    )
    with configured.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1, "the engine should work"


@pytest.mark.task(4)
def test_engine_from_settings_pool_limits_are_enforced(engine: Engine, made: list[Engine]) -> None:
    settings = settings_for(live_url(engine), pool_size="2", max_overflow="1", pool_timeout="0")
    configured = keep(made, database_engines.engine_from_settings(settings))
    held = [configured.connect() for _ in range(3)]  # pool_size 2 + max_overflow 1
    try:
        with pytest.raises(exc.TimeoutError):
            configured.connect()
    except pytest.fail.Exception:
        pytest.fail(
            "with db.pool_size=2 and db.max_overflow=1, a 4th connection at once should wait "
            "db.pool_timeout (0 s: no wait) and raise sqlalchemy.exc.TimeoutError; it was given a connection"
        )
    finally:
        for connection in held:
            connection.close()


# -- task 5: connect arguments ----------------------------------------------------------------------


@pytest.mark.task(5)
@pytest.mark.parametrize("seconds", [3, 11])
def test_engine_with_timeout_passes_the_drivers_timeout_argument(
    engine: Engine, made: list[Engine], seconds: int
) -> None:
    url = live_url(engine)
    timed = keep(made, database_engines.engine_with_timeout(url, seconds))
    with timed.connect() as connection:
        if connection.dialect.name == "sqlite":
            # sqlite3's `timeout` is SQLite's busy timeout; the database reports it in milliseconds.
            got = connection.execute(text("PRAGMA busy_timeout")).scalar_one()
            expected: object = seconds * 1000
            what = "PRAGMA busy_timeout (sqlite3's timeout argument, in ms)"
        else:
            # libpq's connection parameters, as psycopg opened the connection with them.
            got = connection.connection.dbapi_connection.info.get_parameters().get("connect_timeout")  # type: ignore[union-attr]
            expected = str(seconds)
            what = "psycopg's connect_timeout parameter"
    assert got == expected, (
        f"engine_with_timeout(url, {seconds}) on {connection.dialect.name}: expected {what} = "
        f"{expected!r}, the connection has {got!r}. Connect arguments go to the driver through "
        "create_engine(..., connect_args={...}), and each driver names its own"
    )


class Intercepted(Exception):
    """Raised instead of connecting: the test only wants to see the driver's connect() arguments."""


@pytest.mark.task(5)
@pytest.mark.parametrize(
    ("url", "argument"),
    [("postgresql+psycopg://shop@db.example.com/books", "connect_timeout"), ("sqlite:///shop.db", "timeout")],
    ids=["psycopg", "sqlite3"],
)
def test_engine_with_timeout_names_the_argument_each_driver_knows(
    made: list[Engine], url: str, argument: str
) -> None:
    # Whatever backend the tests run on: the arguments are caught on their way to the driver's
    # connect(), which is never called (no server, no file).
    timed = keep(made, database_engines.engine_with_timeout(url, 4))
    seen: dict[str, Any] = {}

    @event.listens_for(timed, "do_connect")
    def intercept(_dialect: Any, _record: Any, _args: Any, kwargs: dict[str, Any]) -> None:
        seen.update(kwargs)
        raise Intercepted

    with pytest.raises(Intercepted):
        timed.connect()
    timeouts = {name: seen[name] for name in ("timeout", "connect_timeout") if name in seen}
    assert list(timeouts) == [argument] and float(timeouts[argument]) == 4, (
        f"engine_with_timeout({url!r}, 4) should hand the driver {argument}=4 and no other timeout "
        f"argument (a name the driver does not know makes connect() fail); it handed it {timeouts or 'none'}"
    )


@pytest.mark.task(5)
def test_engine_with_timeout_rejects_an_unknown_backend() -> None:
    with pytest.raises(ValueError):
        database_engines.engine_with_timeout("mysql+pymysql://stock@warehouse/inventory", 5)


# -- task 6: URLs in logs ---------------------------------------------------------------------------


@pytest.mark.task(6)
@pytest.mark.parametrize(
    "password", ["hunter2", "p@ss:w/rd", "50%off#sale"], ids=["simple", "with @ : /", "with % #"]
)
@pytest.mark.parametrize("as_object", [False, True], ids=["from text", "from URL object"])
def test_loggable_url_hides_the_password_and_keeps_the_rest(password: str, as_object: bool) -> None:
    query = {"application_name": "report:nightly@cron"}
    url = URL.create("postgresql+psycopg", "shop", password, "db.example.com", 5432, "books", query)
    # As text, the query is written as a person would type it: an '@' and a ':' after the host.
    without_query = url.render_as_string(hide_password=False).split("?")[0]
    as_text = f"{without_query}?application_name={query['application_name']}"
    given: str | URL = url if as_object else as_text
    shown = database_engines.loggable_url(given)
    assert isinstance(shown, str), f"loggable_url() should return text, got {shown!r}"
    encoded = url.render_as_string(hide_password=False).split("//")[1].split("@db")[0].split(":", 1)[1]
    assert password not in shown and encoded not in shown, f"the password is visible in {shown!r}"
    parsed = make_url(shown)
    parts = (parsed.drivername, parsed.username, parsed.password, parsed.host, parsed.port, parsed.database)
    assert parts == ("postgresql+psycopg", "shop", "***", "db.example.com", 5432, "books") and dict(
        parsed.query
    ) == query, (
        f"expected postgresql+psycopg://shop:***@db.example.com:5432/books?application_name=report:nightly@cron "
        f"(special characters may come back %-escaped), got {shown!r}"
    )


@pytest.mark.task(6)
@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://shop@db.example.com/books",
        "postgresql+psycopg://shop@db.example.com/books?application_name=report:nightly@cron",
        "sqlite:////backups/shop:2024@night.db",
    ],
    ids=["postgresql", "postgresql with : and @ in the query", "sqlite with : and @ in the path"],
)
def test_loggable_url_leaves_a_url_without_password_as_it_is(url: str) -> None:
    shown = database_engines.loggable_url(url)
    assert isinstance(shown, str), f"loggable_url() should return text, got {shown!r}"
    assert "***" not in shown and make_url(shown) == make_url(url), (
        f"{url!r} has no password to hide; loggable_url() should give the same URL back "
        f"(special characters may come back %-escaped), got {shown!r}"
    )
