"""Kata 1.2: installation and setup — database URLs, drivers, and a first engine.

`pip install sqlalchemy` installs SQLAlchemy, not the database drivers: each backend is reached
through a DBAPI driver package of its own, named in the URL after the `+`:

    postgresql+psycopg://user:password@host:5432/database?sslmode=require
    \\________/ \\_____/  \\__________________________/ \\______/ \\______________/
     backend    driver        who and where             which    driver options
"""

from __future__ import annotations

from sqlalchemy import URL, Engine, create_engine, make_url

# The drivers this kata knows about, per backend, as SQLAlchemy names them in a URL.
KNOWN_DRIVERS: dict[str, tuple[str, ...]] = {
    "sqlite": ("pysqlite", "aiosqlite"),
    "postgresql": ("psycopg", "psycopg2", "asyncpg", "pg8000"),
    "mysql": ("mysqldb", "pymysql", "mysqlconnector", "asyncmy", "aiomysql"),
}

# What to `pip install` for each driver (pysqlite is Python's own sqlite3 module).
PIP_PACKAGES: dict[str, str] = {
    "pysqlite": "(nothing: sqlite3 comes with Python)",
    "aiosqlite": "aiosqlite",
    "psycopg": "psycopg[binary]",
    "psycopg2": "psycopg2-binary",
    "asyncpg": "asyncpg",
    "pg8000": "pg8000",
    "mysqldb": "mysqlclient",
    "pymysql": "PyMySQL",
    "mysqlconnector": "mysql-connector-python",
    "asyncmy": "asyncmy",
    "aiomysql": "aiomysql",
}


def sqlite_url(path: str | None = None) -> URL:
    """The URL of a SQLite database file at `path`, or of an in-memory database when path is None."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def postgresql_url(
    username: str,
    password: str | None,
    host: str,
    database: str,
    port: int = 5432,
    driver: str = "psycopg",
) -> URL:
    """The URL of a PostgreSQL database through `driver`; any character may appear in the password."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def mysql_url(
    username: str,
    password: str | None,
    host: str,
    database: str,
    port: int = 3306,
    driver: str = "mysqldb",
) -> URL:
    """The URL of a MySQL database through `driver`, asking for the utf8mb4 character set (`?charset=utf8mb4`)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def url_parts(url: str) -> dict[str, object]:
    """The parts of a URL string, decoded, under the keys backend, driver, username, password, host,
    port, database and query (a dict). `driver` is the driver SQLAlchemy will use, even when the URL
    names none; parts the URL does not have are None (query: {})."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def with_driver(url: str | URL, driver: str) -> URL:
    """The same URL (user, password, host, port, database, query) through another driver of its backend,
    e.g. postgresql+psycopg://... -> postgresql+asyncpg://..."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def driver_installed(url: str | URL) -> bool:
    """Whether the DBAPI driver that this URL needs (its default one if it names none) can be imported."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def installed_drivers(backend: str) -> list[str]:
    """The drivers of KNOWN_DRIVERS[backend] that are installed, in the order of KNOWN_DRIVERS."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def create_checked_engine(url: str | URL) -> Engine:
    """create_engine(url), except that a missing driver raises RuntimeError whose message says what to
    `pip install` (from PIP_PACKAGES), e.g. "... pip install mysqlclient". Other errors pass unchanged."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
