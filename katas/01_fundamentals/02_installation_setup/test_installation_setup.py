"""Tests for kata 1.2, installation and setup. Run: pytest katas/01_fundamentals/02_installation_setup"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from sqlalchemy import URL, Connection, create_engine, make_url, text
from sqlalchemy.exc import ArgumentError

from fixtures.target import learner_module

installation_setup = learner_module(__file__, "installation_setup")

# The Python module each driver imports (what `pip install` must have put on the path).
DBAPI_MODULES = {
    "pysqlite": "sqlite3",
    "aiosqlite": "aiosqlite",
    "psycopg": "psycopg",
    "psycopg2": "psycopg2",
    "asyncpg": "asyncpg",
    "pg8000": "pg8000",
    "mysqldb": "MySQLdb",
    "pymysql": "pymysql",
    "mysqlconnector": "mysql.connector",
    "asyncmy": "asyncmy",
    "aiomysql": "aiomysql",
}
DRIVERS = [
    ("sqlite", "pysqlite"), ("sqlite", "aiosqlite"),
    ("postgresql", "psycopg"), ("postgresql", "psycopg2"), ("postgresql", "asyncpg"), ("postgresql", "pg8000"),
    ("mysql", "mysqldb"), ("mysql", "pymysql"), ("mysql", "mysqlconnector"), ("mysql", "asyncmy"), ("mysql", "aiomysql"),
]  # fmt: skip
PASSWORDS = ["s3cret", "p@ss:w/rd#1%", "with space?&=", "ünïcødé+"]


def importable(module: str) -> bool:
    """The truth the tests compare with: can Python find the module? (A missing parent package counts as no.)"""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # find_spec("mysql.connector") raises when "mysql" itself is missing
        return False


def round_trip(url: URL) -> URL:
    """The URL written out as text, password included, and read back: what a config file would hold."""
    return make_url(url.render_as_string(hide_password=False))


def assert_is_url(url: object, function: str) -> None:
    __tracebackhide__ = True
    assert isinstance(url, URL), f"{function} should return a sqlalchemy URL object, not {type(url).__name__}"


@pytest.mark.task(1)
def test_sqlite_url_of_a_file_opens_that_file(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    url = installation_setup.sqlite_url(str(path))
    assert_is_url(url, "sqlite_url()")
    assert url.render_as_string() == f"sqlite:///{path}", (
        f"an absolute path /x/shop.db makes the URL sqlite:////x/shop.db (three slashes, then the "
        f"path's own); expected sqlite:///{path}, got {url.render_as_string()}"
    )
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    engine.dispose()
    assert path.exists(), f"an engine on sqlite_url({str(path)!r}) should create and use that file"


@pytest.mark.task(1)
def test_sqlite_url_without_a_path_is_an_in_memory_database() -> None:
    url = installation_setup.sqlite_url(None)
    assert_is_url(url, "sqlite_url(None)")
    assert url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"), (
        f"sqlite_url(None) should be an in-memory SQLite database (sqlite://), got {url.render_as_string()}"
    )
    relative = installation_setup.sqlite_url("data/shop.db").render_as_string()
    assert relative == "sqlite:///data/shop.db", f"a relative path goes after three slashes, got {relative}"


@pytest.mark.task(2)
@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("driver", ["psycopg", "asyncpg"])
def test_postgresql_url_survives_any_password(password: str, driver: str) -> None:
    url = installation_setup.postgresql_url("shop@tenant", password, "db.example.com", "shop", 6432, driver)
    assert_is_url(url, "postgresql_url()")
    parsed = round_trip(url)
    got = (parsed.drivername, parsed.username, parsed.password, parsed.host, parsed.port, parsed.database)
    expected = (f"postgresql+{driver}", "shop@tenant", password, "db.example.com", 6432, "shop")
    assert got == expected, (
        f"written out and read back, the URL should keep every part, however odd the password: "
        f"expected {expected}, got {got} (from {url.render_as_string(hide_password=False)}). "
        "An f-string leaves '@', ':' or '/' unescaped; URL.create() escapes them."
    )


@pytest.mark.task(2)
def test_postgresql_url_defaults_to_psycopg_on_port_5432() -> None:
    url = installation_setup.postgresql_url("reader", None, "localhost", "catalogue")
    assert_is_url(url, "postgresql_url()")
    assert url.render_as_string() == "postgresql+psycopg://reader@localhost:5432/catalogue", (
        "without a password, driver or port the URL is postgresql+psycopg://reader@localhost:5432/catalogue; "
        f"got {url.render_as_string()}"
    )


@pytest.mark.task(2)
@pytest.mark.backends("postgresql", reason="connects to the PostgreSQL server the tests run on")
def test_postgresql_url_connects_to_the_test_server(connection: Connection) -> None:
    server = connection.engine.url
    url = installation_setup.postgresql_url(
        server.username or "", server.password, server.host or "", server.database or "", server.port or 5432
    )
    engine = create_engine(url)
    try:
        with engine.connect() as other:
            answer = other.execute(text("SELECT 1")).scalar_one()
    finally:
        engine.dispose()
    assert answer == 1, "a URL built from the test server's parts should connect and answer SELECT 1"


@pytest.mark.task(2)
@pytest.mark.parametrize("password", PASSWORDS)
def test_mysql_url_asks_for_utf8mb4_and_keeps_the_password(password: str) -> None:
    url = installation_setup.mysql_url("shop", password, "mysql.internal", "shop")
    assert_is_url(url, "mysql_url()")
    parsed = round_trip(url)
    got = (parsed.drivername, parsed.username, parsed.password, parsed.host, parsed.port, parsed.database)
    expected = ("mysql+mysqldb", "shop", password, "mysql.internal", 3306, "shop")
    assert got == expected, f"expected the parts {expected} after a round trip, got {got}"
    assert dict(parsed.query) == {"charset": "utf8mb4"}, (
        f"the URL should carry ?charset=utf8mb4 (MySQL's 'utf8' cannot store emoji); its query is {dict(parsed.query)}"
    )


URL_CASES = [
    pytest.param(
        "postgresql://shop:p%40ss%2Fw0rd@db.example.com/shop",
        {"backend": "postgresql", "driver": make_url("postgresql://").get_dialect().driver, "username": "shop",
         "password": "p@ss/w0rd", "host": "db.example.com", "port": None, "database": "shop", "query": {}},
        id="postgresql, default driver, escaped password",
    ),
    pytest.param(
        "mysql+pymysql://root:@localhost:3307/shop?charset=utf8mb4",
        {"backend": "mysql", "driver": "pymysql", "username": "root", "password": "", "host": "localhost",
         "port": 3307, "database": "shop", "query": {"charset": "utf8mb4"}},
        id="mysql with pymysql, empty password",
    ),
    pytest.param(
        "postgresql+asyncpg://shop%40tenant:s%2Fcret@pgbouncer:6432/orders?ssl=require",
        {"backend": "postgresql", "driver": "asyncpg", "username": "shop@tenant", "password": "s/cret",
         "host": "pgbouncer", "port": 6432, "database": "orders", "query": {"ssl": "require"}},
        id="asyncpg, escaped user name",
    ),
    pytest.param(
        "sqlite:///data/shop.db",
        {"backend": "sqlite", "driver": "pysqlite", "username": None, "password": None, "host": None,
         "port": None, "database": "data/shop.db", "query": {}},
        id="sqlite file",
    ),
]  # fmt: skip


@pytest.mark.task(3)
@pytest.mark.parametrize(("url", "expected"), URL_CASES)
def test_url_parts_reads_every_part_decoded(url: str, expected: dict[str, object]) -> None:
    parts = installation_setup.url_parts(url)
    wrong = {
        key: (parts.get(key, "<missing>"), value)
        for key, value in expected.items()
        if parts.get(key, "<missing>") != value
    }
    assert not wrong, (
        f"url_parts({url!r}) got these parts wrong (yours, expected): {wrong}. "
        "%-escapes are decoded, absent parts are None, and the driver is the one SQLAlchemy will use."
    )


WITH_DRIVER_CASES = [
    pytest.param(
        "postgresql+psycopg://shop:p%40ss%3Aw@db.example.com:5432/shop?sslmode=require", "asyncpg",
        "postgresql+asyncpg://shop:p%40ss%3Aw@db.example.com:5432/shop?sslmode=require", id="psycopg to asyncpg",
    ),
    pytest.param(
        "postgresql://admin:hunter2@localhost/postgres", "psycopg2",
        "postgresql+psycopg2://admin:hunter2@localhost/postgres", id="no driver named to psycopg2",
    ),
    pytest.param("sqlite:////var/lib/shop.db", "aiosqlite", "sqlite+aiosqlite:////var/lib/shop.db", id="sqlite to aiosqlite"),
    pytest.param(
        "mysql+mysqldb://shop:a%2Fb@mysql.internal/shop?charset=utf8mb4", "pymysql",
        "mysql+pymysql://shop:a%2Fb@mysql.internal/shop?charset=utf8mb4", id="mysqldb to pymysql",
    ),
]  # fmt: skip


@pytest.mark.task(4)
@pytest.mark.parametrize(("url", "driver", "expected"), WITH_DRIVER_CASES)
@pytest.mark.parametrize("given_as", ["str", "URL"])
def test_with_driver_changes_only_the_driver(url: str, driver: str, expected: str, given_as: str) -> None:
    source = url if given_as == "str" else make_url(url)
    result = installation_setup.with_driver(source, driver)
    assert_is_url(result, "with_driver()")
    rendered = result.render_as_string(hide_password=False)
    assert rendered == expected, (
        f"with_driver(..., {driver!r}) should change the driver and keep everything else, password "
        f"included; expected {expected}, got {rendered}. (str(url) hides the password as ***: "
        "a URL rebuilt from it has lost the password.)"
    )


@pytest.mark.task(5)
@pytest.mark.parametrize(("backend", "driver"), DRIVERS, ids=[f"{b}+{d}" for b, d in DRIVERS])
def test_driver_installed_matches_what_python_can_import(backend: str, driver: str) -> None:
    module = DBAPI_MODULES[driver]
    truth = importable(module)
    answer = installation_setup.driver_installed(f"{backend}+{driver}://")
    assert answer is truth, (
        f"driver_installed('{backend}+{driver}://') said {answer!r}, but the module {module!r} "
        f"{'can' if truth else 'cannot'} be imported here"
    )


@pytest.mark.task(5)
def test_driver_installed_uses_the_default_driver_when_the_url_names_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    default = DBAPI_MODULES[make_url("postgresql://").get_dialect().driver]
    assert installation_setup.driver_installed("postgresql://u@h/db") is importable(default), (
        f"postgresql:// names no driver, so SQLAlchemy uses its default, which imports {default!r}"
    )
    monkeypatch.setitem(sys.modules, default, None)  # as if it were uninstalled, for this test only
    assert installation_setup.driver_installed("postgresql://u@h/db") is False, (
        f"with {default!r} uninstalled, a postgresql:// URL (default driver) has no driver to use"
    )


@pytest.mark.task(5)
def test_driver_checks_look_at_the_python_of_today(monkeypatch: pytest.MonkeyPatch) -> None:
    # As if psycopg and aiosqlite had been uninstalled: `import psycopg` now raises ImportError.
    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.setitem(sys.modules, "aiosqlite", None)
    for url in ("postgresql+psycopg://", "sqlite+aiosqlite://"):
        answer = installation_setup.driver_installed(url)
        assert answer is False, (
            f"driver_installed({url!r}) said {answer!r} although its module cannot be imported now: "
            "check whether the module can be imported, do not keep a list of what was installed"
        )
    assert installation_setup.driver_installed("sqlite+pysqlite://") is True, "sqlite3 comes with Python"


@pytest.mark.task(5)
@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mysql"])
@pytest.mark.parametrize(
    "hide", [None, "psycopg", "aiosqlite"], ids=["as installed", "no psycopg", "no aiosqlite"]
)
def test_installed_drivers_lists_the_importable_ones_in_order(
    monkeypatch: pytest.MonkeyPatch, backend: str, hide: str | None
) -> None:
    if hide:
        monkeypatch.setitem(sys.modules, hide, None)
    expected = [d for b, d in DRIVERS if b == backend and importable(DBAPI_MODULES[d])]
    listed = installation_setup.installed_drivers(backend)
    assert list(listed) == expected, (
        f"installed_drivers({backend!r}) should list, in KNOWN_DRIVERS order, the drivers whose module "
        f"can be imported{f' (with {hide} uninstalled)' if hide else ''}: expected {expected}, got {listed!r}"
    )


@pytest.mark.task(6)
def test_create_checked_engine_connects_with_an_installed_driver(connection: Connection) -> None:
    engine = installation_setup.create_checked_engine(connection.engine.url)
    try:
        with engine.connect() as other:
            answer = other.execute(text("SELECT 1")).scalar_one()
    finally:
        engine.dispose()
    assert answer == 1, "an engine on the test database's URL should connect and answer SELECT 1"


@pytest.mark.task(6)
@pytest.mark.parametrize(
    ("url", "package"),
    [
        ("mysql+mysqldb://shop:secret@localhost/shop", "mysqlclient"),
        ("mysql+pymysql://shop:secret@localhost/shop", "PyMySQL"),
        ("postgresql+pg8000://shop@localhost/shop", "pg8000"),
        ("postgresql+psycopg://shop@localhost/shop", "psycopg[binary]"),
    ],
)
def test_create_checked_engine_says_what_to_pip_install(
    monkeypatch: pytest.MonkeyPatch, url: str, package: str
) -> None:
    module = DBAPI_MODULES[make_url(url).get_driver_name()]
    if importable(module):
        monkeypatch.setitem(sys.modules, module, None)  # as if it were not installed
    with pytest.raises(RuntimeError) as raised:
        installation_setup.create_checked_engine(url)
    assert f"pip install {package}" in str(raised.value), (
        f"without its driver, create_checked_engine({url!r}) should say 'pip install {package}'; "
        f"the message was: {raised.value}"
    )
    cause = raised.value.__cause__
    assert isinstance(cause, ImportError), (
        "raise the RuntimeError *from* the ImportError (`raise RuntimeError(...) from error`), so the "
        f"original stays attached as its cause; its __cause__ is {cause!r}"
    )


@pytest.mark.task(6)
def test_create_checked_engine_lets_other_url_errors_through() -> None:
    with pytest.raises(ArgumentError):
        installation_setup.create_checked_engine("postgersql://shop@localhost/shop")  # a typo, not a driver
    # A known backend whose driver IS installed, with a bad option: the driver is not what is missing,
    # so the error must arrive as it was raised, not turned into "pip install ...".
    try:
        installation_setup.create_checked_engine("sqlite:///shop.db?timeout=soon")
    except ValueError:
        pass
    except RuntimeError as error:
        raise AssertionError(
            "create_checked_engine('sqlite:///shop.db?timeout=soon') turned a bad option (sqlite3 IS "
            f"installed) into {error!r}: only an ImportError means a missing driver; catch that one, "
            "not Exception, and let every other error pass unchanged"
        ) from error
    else:
        raise AssertionError("create_engine() rejects timeout=soon with a ValueError; it must reach the caller")
