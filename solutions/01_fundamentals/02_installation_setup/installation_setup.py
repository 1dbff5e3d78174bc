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
    # BEGIN SOLUTION
    # URL.create puts the slashes where they belong: sqlite:///relative.db, sqlite:////abs.db, sqlite://
    return URL.create("sqlite", database=path)
    # END SOLUTION


def postgresql_url(
    username: str,
    password: str | None,
    host: str,
    database: str,
    port: int = 5432,
    driver: str = "psycopg",
) -> URL:
    """The URL of a PostgreSQL database through `driver`; any character may appear in the password."""
    # BEGIN SOLUTION
    # URL.create takes the parts as they are and escapes them when the URL is rendered:
    # an "@" or "/" in a password cannot be mistaken for the host or the database.
    return URL.create(
        f"postgresql+{driver}", username=username, password=password, host=host, port=port, database=database
    )
    # END SOLUTION


def mysql_url(
    username: str,
    password: str | None,
    host: str,
    database: str,
    port: int = 3306,
    driver: str = "mysqldb",
) -> URL:
    """The URL of a MySQL database through `driver`, asking for the utf8mb4 character set (`?charset=utf8mb4`)."""
    # BEGIN SOLUTION
    return URL.create(
        f"mysql+{driver}",
        username=username,
        password=password,
        host=host,
        port=port,
        database=database,
        query={"charset": "utf8mb4"},  # MySQL's "utf8" is a 3-byte subset: no emoji
    )
    # END SOLUTION


def url_parts(url: str) -> dict[str, object]:
    """The parts of a URL string, decoded, under the keys backend, driver, username, password, host,
    port, database and query (a dict). `driver` is the driver SQLAlchemy will use, even when the URL
    names none; parts the URL does not have are None (query: {})."""
    # BEGIN SOLUTION
    parsed = make_url(url)  # undoes the %-escaping: "p%40ss" comes back as "p@ss"
    return {
        "backend": parsed.get_backend_name(),
        # get_driver_name() asks the dialect for its default when the URL names no driver.
        "driver": parsed.get_driver_name(),
        "username": parsed.username,
        "password": parsed.password,
        "host": parsed.host,
        "port": parsed.port,
        "database": parsed.database,
        "query": dict(parsed.query),
    }
    # END SOLUTION


def with_driver(url: str | URL, driver: str) -> URL:
    """The same URL (user, password, host, port, database, query) through another driver of its backend,
    e.g. postgresql+psycopg://... -> postgresql+asyncpg://..."""
    # BEGIN SOLUTION
    parsed = make_url(url)
    # URL is immutable; set() returns a copy. Never go through str(url): it prints the password as ***.
    return parsed.set(drivername=f"{parsed.get_backend_name()}+{driver}")
    # END SOLUTION


def driver_installed(url: str | URL) -> bool:
    """Whether the DBAPI driver that this URL needs (its default one if it names none) can be imported."""
    # BEGIN SOLUTION
    dialect = make_url(url).get_dialect()  # the dialect class; loading it does not import the driver
    try:
        dialect.import_dbapi()  # what create_engine() does first; raises ImportError when it is missing
    except ImportError:
        return False
    return True
    # END SOLUTION


def installed_drivers(backend: str) -> list[str]:
    """The drivers of KNOWN_DRIVERS[backend] that are installed, in the order of KNOWN_DRIVERS."""
    # BEGIN SOLUTION
    return [driver for driver in KNOWN_DRIVERS[backend] if driver_installed(f"{backend}+{driver}://")]
    # END SOLUTION


def create_checked_engine(url: str | URL) -> Engine:
    """create_engine(url), except that a missing driver raises RuntimeError whose message says what to
    `pip install` (from PIP_PACKAGES), e.g. "... pip install mysqlclient". Other errors pass unchanged."""
    # BEGIN SOLUTION
    parsed = make_url(url)
    try:
        return create_engine(parsed)
    except ImportError as error:  # ModuleNotFoundError: the DBAPI module is not installed
        driver = parsed.get_driver_name()
        package = PIP_PACKAGES.get(driver, driver)
        raise RuntimeError(
            f"The {parsed.get_backend_name()} driver {driver!r} is not installed: pip install {package}"
        ) from error
    # END SOLUTION
