"""Tests for kata 1.7, project: first connection. Run: pytest katas/01_fundamentals/07_project_first_connection"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import URL, Engine, event, make_url, text
from sqlalchemy.pool import Pool

from fixtures.target import learner_module

project = learner_module(__file__, "project_first_connection")

SECRET = "s3cret-Pa55"


def live_url(engine: Engine) -> URL:
    """The test database's URL (SQLite file or PostgreSQL), password included."""
    return make_url(engine.url.render_as_string(hide_password=False))


def report_of(url: str | URL, **kwargs: Any) -> Any:
    report = project.check_connectivity(url, **kwargs)
    assert isinstance(report, project.HealthReport), (
        f"check_connectivity() should return a HealthReport, got {report!r}"
    )
    return report


def assert_clean_failure(report: Any, what: str) -> None:
    """ok is False, and the error is one readable line without the password."""
    __tracebackhide__ = True
    assert report.ok is False, f"{what}: the report should say ok=False, got {report!r}"
    assert isinstance(report.error, str) and report.error.strip(), (
        f"{what}: the report's error should say what went wrong, got {report.error!r}"
    )
    assert "\n" not in report.error and "Traceback" not in report.error, (
        f"{what}: the error should be ONE line for a human, not a traceback or a multi-line message: "
        f"{report.error!r}"
    )
    leaked = [name for name, value in zip(("url", "error"), (report.url, report.error)) if SECRET in str(value)]
    assert not leaked, f"{what}: the password appears in the report's {' and '.join(leaked)}: {report!r}"


def assert_drivers_own_words(error: str) -> None:
    """The driver's message, without what SQLAlchemy wraps around it."""
    __tracebackhide__ = True
    assert "OperationalError)" not in error and "sqlalche.me" not in error, (
        "the error should be the driver's own message (DBAPIError.orig), without SQLAlchemy's "
        f"'(psycopg.OperationalError)' / '(sqlite3.OperationalError)' prefix or background link; got {error!r}"
    )


# -- task 1: connect and report ---------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize("as_text", [True, False], ids=["URL as text", "URL object"])
def test_a_reachable_database_is_reported_ok(engine: Engine, as_text: bool) -> None:
    url = live_url(engine)
    report = report_of(url.render_as_string(hide_password=False) if as_text else url)
    assert report.ok is True and report.error is None, f"the test database is up; the report says {report!r}"
    assert (report.dialect, report.driver) == (engine.dialect.name, engine.dialect.driver), (
        f"expected dialect {engine.dialect.name!r} and driver {engine.dialect.driver!r}, "
        f"got {report.dialect!r} and {report.driver!r}"
    )
    assert make_url(report.url) == url.set(password="***" if url.password else None), (
        f"the report's url should be the checked URL with the password hidden, got {report.url!r}"
    )


@pytest.mark.task(1)
@pytest.mark.backends("postgresql", reason="SQLite has no passwords to hide")
def test_the_report_hides_the_password(engine: Engine) -> None:
    # Trust authentication ignores the password; the report must still not show it.
    url = live_url(engine).set(password=SECRET)
    report = report_of(url)
    assert report.ok is True, f"the server is up; got {report!r}"
    assert SECRET not in report.url and "***" in report.url, f"the password is visible in {report.url!r}"


# -- task 2: the server version ---------------------------------------------------------------------


@pytest.mark.task(2)
def test_the_server_version_is_what_the_server_says(engine: Engine) -> None:
    report = report_of(live_url(engine))
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            said = connection.execute(text("SELECT sqlite_version()")).scalar_one()
        else:
            said = connection.execute(text("SHOW server_version")).scalar_one().split()[0]
    assert report.server_version == said, (
        f"the server says it is version {said!r}; the report says {report.server_version!r}. "
        "The dialect learns the version when it first connects: connection.dialect.server_version_info"
    )


# -- task 3: round-trip time ------------------------------------------------------------------------


@pytest.fixture
def slow_database() -> Iterator[float]:
    """Every statement any engine sends in this test takes at least 60 ms longer."""
    delay = 0.06

    def slow_down(*_args: Any) -> None:
        time.sleep(delay)

    event.listen(Engine, "before_cursor_execute", slow_down)
    try:
        yield delay
    finally:
        event.remove(Engine, "before_cursor_execute", slow_down)


@pytest.mark.task(3)
def test_round_trip_time_is_measured(engine: Engine) -> None:
    report = report_of(live_url(engine))
    assert isinstance(report.round_trip_ms, float) and 0 < report.round_trip_ms < 2000, (
        f"round_trip_ms should be the time of one query in milliseconds (a float, more than 0 and, "
        f"on the test database, well under 2 s); got {report.round_trip_ms!r}"
    )


@pytest.mark.task(3)
def test_round_trip_time_follows_a_slow_database(engine: Engine, slow_database: float) -> None:
    report = report_of(live_url(engine))
    minimum = slow_database * 1000
    assert isinstance(report.round_trip_ms, float) and minimum <= report.round_trip_ms < 5000, (
        f"every statement took at least {minimum:.0f} ms in this test, so one query cannot be faster; "
        f"the report says round_trip_ms={report.round_trip_ms!r}. Time a real query: "
        "time.perf_counter() before and after connection.execute(...)"
    )


@pytest.fixture
def slow_to_connect() -> Iterator[float]:
    """Every new DBAPI connection any pool opens in this test takes 150 ms longer to set up."""
    delay = 0.15

    def slow_down(*_args: Any) -> None:
        time.sleep(delay)

    event.listen(Pool, "connect", slow_down)
    try:
        yield delay
    finally:
        event.remove(Pool, "connect", slow_down)


@pytest.mark.task(3)
def test_round_trip_time_leaves_out_connecting(engine: Engine, slow_to_connect: float) -> None:
    report = report_of(live_url(engine))
    limit = slow_to_connect * 1000
    assert report.ok is True, f"the test database is up (only slow to connect); got {report!r}"
    assert isinstance(report.round_trip_ms, float) and 0 < report.round_trip_ms < limit, (
        f"connecting took {limit:.0f} ms in this test, but one query on an open connection is much faster; "
        f"the report says round_trip_ms={report.round_trip_ms!r}. Start the clock after connecting"
    )


# -- task 4: failures -------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(
    "url",
    ["not a database url", f"postgresql+psycopg://shop:{SECRET}@db.example.com:port/books"],
    ids=["not a URL", "port is not a number"],
)
def test_an_invalid_url_gives_a_report_not_a_traceback(url: str) -> None:
    report = report_of(url)
    assert_clean_failure(report, f"for {url!r}")
    assert report.error.lower().startswith("invalid url"), (
        f"for a URL that cannot be parsed, the error should start with 'invalid URL'; got {report.error!r}"
    )


@pytest.mark.task(4)
@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("nosuchdb://shop@db.example.com/books", "nosuchdb"),
        ("postgresql+nodriver://shop@db.example.com/books", "nodriver"),
        (f"mysql+pymysql://shop:{SECRET}@db.example.com/books", "pymysql"),
    ],
    ids=["unknown dialect", "unknown driver", "driver not installed"],
)
def test_an_unknown_or_missing_driver_is_named_in_the_error(url: str, name: str) -> None:
    report = report_of(url)
    assert_clean_failure(report, f"for {url.replace(SECRET, '***')!r}")
    assert name in report.error, (
        f"the error should name what is missing ({name!r}), as SQLAlchemy's or Python's message does; "
        f"got {report.error!r}"
    )


@pytest.mark.task(4)
def test_a_postgresql_server_that_refuses_is_reported_quickly() -> None:
    url = f"postgresql+psycopg://shop:{SECRET}@127.0.0.1:1/books"  # nothing listens on port 1
    started = time.perf_counter()
    report = report_of(url)
    elapsed = time.perf_counter() - started
    assert_clean_failure(report, "for a server that refuses connections")
    assert (report.dialect, report.driver) == ("postgresql", "psycopg"), (
        f"the URL was understood, so dialect and driver are known even without a server; got {report!r}"
    )
    assert "refused" in report.error.lower(), (
        f"the error should keep the driver's reason (connection refused); got {report.error!r}"
    )
    assert_drivers_own_words(report.error)
    assert elapsed < 3, f"a refused connection fails at once; the check took {elapsed:.1f} s"


@pytest.mark.task(4)
def test_a_sqlite_file_that_cannot_be_opened_is_reported(tmp_path: Path) -> None:
    url = URL.create("sqlite", database=str(tmp_path / "no such directory" / "shop.db"))
    report = report_of(url)
    assert_clean_failure(report, "for a SQLite file in a directory that does not exist")
    assert "unable to open database file" in report.error, (
        f"the error should keep sqlite3's reason ('unable to open database file'); got {report.error!r}"
    )
    assert_drivers_own_words(report.error)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word, like a firewall that drops packets."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    try:
        yield server.getsockname()[1]
    finally:
        server.close()  # also ends a check that is still waiting


@pytest.mark.task(4)
def test_a_silent_server_times_out(silent_server: int) -> None:
    url = f"postgresql+psycopg://shop@127.0.0.1:{silent_server}/books"
    outcome: list[Any] = []
    raised: list[BaseException] = []

    def check() -> None:
        try:
            outcome.append(project.check_connectivity(url, timeout=2))
        except BaseException as error:  # shown by the test, below
            raised.append(error)

    worker = threading.Thread(target=check, daemon=True)  # a check that hangs must not hang the tests
    started = time.perf_counter()
    worker.start()
    worker.join(timeout=8)
    elapsed = time.perf_counter() - started
    if raised:
        raise raised[0]
    assert outcome, (
        f"check_connectivity(url, timeout=2) had not returned after {elapsed:.0f} s on a server that never "
        "answers: pass the timeout to the driver (psycopg's connect_timeout, via connect_args)"
    )
    assert_clean_failure(outcome[0], "for a server that never answers")
    assert elapsed < 5, f"with timeout=2 the check should give up after about 2 s, it took {elapsed:.1f} s"


# -- task 5: leave nothing open ---------------------------------------------------------------------


@pytest.fixture
def dbapi_connections() -> Iterator[dict[str, list[int]]]:
    """Every DBAPI connection any pool opens or closes during the test."""
    seen: dict[str, list[int]] = {"opened": [], "closed": []}

    def opened(dbapi_connection: Any, _record: Any) -> None:
        seen["opened"].append(id(dbapi_connection))

    def closed(dbapi_connection: Any, _record: Any) -> None:
        seen["closed"].append(id(dbapi_connection))

    event.listen(Pool, "connect", opened)
    event.listen(Pool, "close", closed)
    try:
        yield seen
    finally:
        event.remove(Pool, "connect", opened)
        event.remove(Pool, "close", closed)


@pytest.mark.task(5)
def test_the_check_closes_every_connection_it_opened(engine: Engine, dbapi_connections: dict[str, list[int]]) -> None:
    report = report_of(live_url(engine))
    assert report.ok, f"the test database is up; got {report!r}"
    assert dbapi_connections["opened"], "the check should open a connection to the database"
    still_open = [c for c in dbapi_connections["opened"] if c not in dbapi_connections["closed"]]
    assert not still_open, (
        f"{len(still_open)} connection(s) the check opened are still open after it returned: closing a "
        "Connection only returns it to the engine's pool. engine.dispose() closes the pool's connections"
    )


# -- task 6: the command line -----------------------------------------------------------------------


@pytest.mark.task(6)
def test_main_prints_ok_and_returns_0(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    url = live_url(engine)
    code = project.main([url.render_as_string(hide_password=False)])
    lines = capsys.readouterr().out.splitlines()
    report = report_of(url)
    assert code == 0, f"main() should return 0 when the database is reachable, returned {code!r}"
    expected_start = f"OK {report.url} ({report.dialect} {report.server_version}, "
    assert len(lines) == 1 and lines[0].startswith(expected_start) and lines[0].endswith(" ms)"), (
        f"main() should print one line like {expected_start + '0.3 ms)'!r}; printed {lines}"
    )


@pytest.mark.task(6)
def test_main_prints_fail_and_returns_1(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql+psycopg://shop:{SECRET}@127.0.0.1:1/books"
    code = project.main([url])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1, f"main() should return 1 when the check fails, returned {code!r}"
    report = report_of(url)
    expected = f"FAIL {report.url}: {report.error}"
    assert lines == [expected], f"main() should print exactly {expected!r}; printed {lines}"


@pytest.mark.task(6)
@pytest.mark.parametrize("argv", [[], ["sqlite://", "extra"]], ids=["no argument", "two arguments"])
def test_main_without_one_url_prints_usage_and_returns_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = project.main(argv)
    captured = capsys.readouterr()
    assert code == 2, f"main({argv}) should return 2 (wrong usage), returned {code!r}"
    assert "usage" in captured.err.lower() and not captured.out, (
        f"main({argv}) should print a usage line to stderr and nothing to stdout; "
        f"stderr={captured.err!r}, stdout={captured.out!r}"
    )
