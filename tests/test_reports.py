"""What a learner reads when things go wrong: run the harness on a fake pack and read its output."""

from __future__ import annotations

import textwrap

import pytest

from tests.conftest import FakePack

ADDER_SOLUTION = '''
def add(a: int, b: int) -> int:
    """Return a + b."""
    # BEGIN SOLUTION
    return a + b
    # END SOLUTION
'''

ADDER_TESTS = '''
from sqlalchemy import text
from fixtures.target import learner_module

adder = learner_module(__file__, "adder")


def test_adds_small_numbers():
    assert adder.add(2, 3) == 5, "2 + 3 is 5"


def test_adds_in_sql(connection):
    connection.execute(text("CREATE TABLE numbers (n INTEGER)"))
    connection.execute(text("INSERT INTO numbers VALUES (:n)"), {"n": adder.add(1, 1)})
    assert connection.execute(text("SELECT n FROM numbers")).scalar_one() == 3, "deliberately wrong"
'''


def write_adder(pack: FakePack, learner_text: str | None = None) -> None:
    pack.write("solutions/01_demo/01_adder/adder.py", ADDER_SOLUTION)
    pack.write("katas/01_demo/01_adder/test_adder.py", ADDER_TESTS)
    from kata.stubs import stub_source

    pack.write("katas/01_demo/01_adder/adder.py", learner_text or stub_source(ADDER_SOLUTION))


def test_an_unwritten_stub_fails_with_one_line_naming_the_function_and_file(fake_pack: FakePack) -> None:
    write_adder(fake_pack)
    run = fake_pack.pytest("katas", "-k", "small")
    assert run.returncode == 1
    assert (
        "add() in katas/01_demo/01_adder/adder.py is not written yet: it still raises NotImplementedError"
        in run.output
    ), run.output
    assert "Traceback" not in run.output and "raise NotImplementedError" not in run.output, run.output


def test_a_failing_test_shows_the_sql_the_code_sent(fake_pack: FakePack) -> None:
    write_adder(fake_pack, ADDER_SOLUTION)
    run = fake_pack.pytest("katas", "-k", "in_sql")
    assert run.returncode == 1
    assert "SQL sent while the test ran" in run.output, run.output
    assert "INSERT INTO numbers VALUES (?)" in run.output, run.output


def test_a_syntax_error_in_one_kata_does_not_stop_the_others(fake_pack: FakePack) -> None:
    write_adder(fake_pack, ADDER_SOLUTION)
    fake_pack.write("solutions/01_demo/02_broken/broken.py", ADDER_SOLUTION)
    fake_pack.write("katas/01_demo/02_broken/broken.py", "def add(a, b)\n    return a + b\n")
    fake_pack.write(
        "katas/01_demo/02_broken/test_broken.py",
        ADDER_TESTS.replace('"adder"', '"broken"').replace("test_adds", "test_broken_adds"),
    )
    run = fake_pack.pytest("katas", "-k", "small")
    assert "katas/01_demo/02_broken/broken.py has a syntax error on line 1: expected ':'" in run.output, run.output
    assert "1 failed, 1 passed" in run.output, f"the adder kata should still run and pass:\n{run.output}"


def test_a_missing_function_is_named(fake_pack: FakePack) -> None:
    write_adder(fake_pack, "def plus(a, b):\n    return a + b\n")
    run = fake_pack.pytest("katas", "-k", "small")
    assert "katas/01_demo/01_adder/adder.py has no `add`; the tests use it." in run.output, run.output


def test_a_hanging_test_is_stopped_with_a_message(fake_pack: FakePack) -> None:
    write_adder(fake_pack, "import time\n\ndef add(a, b):\n    while True:\n        time.sleep(0.05)\n")
    run = fake_pack.pytest("katas", "-k", "small", "--timeout", "1")
    assert run.returncode == 1
    assert "This test did not finish in 1 s and was stopped. It was running add() in katas/01_demo/01_adder/adder.py, line 5" in run.output, run.output


def test_a_thread_left_running_fails_the_test_that_started_it(fake_pack: FakePack) -> None:
    # The thread outlives the harness's 2 s join by 1 s; the run's exit then waits for it.
    write_adder(
        fake_pack,
        "import threading, time\n\ndef add(a, b):\n"
        "    threading.Thread(target=time.sleep, args=(3,), name='slow-worker').start()\n    return a + b\n",
    )
    run = fake_pack.pytest("katas", "-k", "small")
    assert "left 1 thread(s) running (slow-worker)" in run.output, run.output


def test_a_runaway_statement_is_stopped_before_the_timeout(fake_pack: FakePack) -> None:
    write_adder(
        fake_pack,
        "from sqlalchemy import text\n\ndef add(connection, b):\n    return connection.execute(text(\n"
        "        'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n'\n"
        "    )).scalar_one()\n",
    )
    fake_pack.write(
        "katas/01_demo/01_adder/test_runaway.py",
        "import pytest\nfrom fixtures.target import learner_module\n\nadder = learner_module(__file__, 'adder')\n\n"
        # 3 s: the harness's statement deadline (the timeout less 2 s, at least 1 s) is the shortest.
        "@pytest.mark.timeout(3)\ndef test_runaway(connection):\n    assert adder.add(connection, 1) == 1\n",
    )
    run = fake_pack.pytest("katas", "-k", "runaway", timeout=30)
    assert "A statement ran for too long and the database stopped it" in run.output, run.output


def test_check_stubs_fails_a_test_that_passes_on_the_stub(fake_pack: FakePack) -> None:
    write_adder(fake_pack)
    fake_pack.write(
        "katas/01_demo/01_adder/test_lazy.py",
        "def test_checks_nothing():\n    assert True\n",
    )
    run = fake_pack.pytest("katas", "--check-stubs", "-k", "small or nothing")
    assert "1 failed, 1 passed" in run.output, run.output
    assert "test_checks_nothing passes on the untouched stub" in run.output, run.output


def test_check_stubs_fails_a_test_that_cannot_even_import_the_stub(fake_pack: FakePack) -> None:
    write_adder(fake_pack)
    fake_pack.write(
        "katas/01_demo/01_adder/test_typo.py",
        "from fixtures.target import learner_module\n\nadder = learner_module(__file__, 'addr')\n\n"
        "def test_typo():\n    assert adder.add(1, 2) == 3\n",
    )
    run = fake_pack.pytest("katas", "--check-stubs", "-k", "typo")
    assert "1 failed" in run.output, run.output
    assert "addr.py does not exist" in run.output and "this kata has: adder.py" in run.output, run.output


def test_check_stubs_uses_pristine_stubs_not_the_learners_work(fake_pack: FakePack) -> None:
    write_adder(fake_pack, ADDER_SOLUTION)  # the learner has solved it in katas/
    run = fake_pack.pytest("katas", "--check-stubs", "-k", "small")
    assert "1 passed" in run.output, f"the pristine stub fails the test, so the check passes:\n{run.output}"


def test_solutions_mode_runs_the_reference_solution(fake_pack: FakePack) -> None:
    write_adder(fake_pack)  # the learner's file is still the stub
    run = fake_pack.pytest("katas", "--solutions", "-k", "small")
    assert "1 passed" in run.output, run.output


def test_solutions_and_check_stubs_together_are_refused(fake_pack: FakePack) -> None:
    write_adder(fake_pack)
    run = fake_pack.pytest("katas", "--solutions", "--check-stubs")
    assert run.returncode != 0 and "exclude each other" in run.output, run.output


@pytest.mark.parametrize("how", ["--db-url", "KATA_DB_URL"])
def test_an_unreachable_database_that_was_asked_for_is_one_line_and_a_failed_run(fake_pack: FakePack, how: str) -> None:
    write_adder(fake_pack, ADDER_SOLUTION)
    url = "postgresql+psycopg://postgres@127.0.0.1:1/x"
    if how == "--db-url":
        run = fake_pack.pytest("katas", "-k", "in_sql", "--db-url", url)
    else:
        run = fake_pack.pytest("katas", "-k", "in_sql", env={"KATA_DB_URL": url})
    assert run.returncode == 4, run.output  # pytest's usage error: not "every test skipped", exit 0
    lines = [line for line in run.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"ERROR: The database at {url} cannot be reached ("), run.output
    assert "fix --db-url (or $KATA_DB_URL), or leave both out to test on SQLite" in lines[0], run.output


@pytest.mark.parametrize("flag", [[], ["--solutions"]])
def test_the_report_header_says_what_is_tested_and_where(fake_pack: FakePack, flag: list[str]) -> None:
    write_adder(fake_pack)
    run = fake_pack.pytest("katas", "-k", "small", *flag)
    tree = "solutions" if flag else "katas"
    assert f"kata: testing {tree}/ on sqlite://" in run.output, textwrap.shorten(run.output, 500)


STORE_SOLUTION = '''
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection


def store(connection: Connection, numbers: list[int]) -> None:
    """Insert the numbers."""
    # BEGIN SOLUTION
    connection.execute(text("INSERT INTO numbers VALUES (:n)"), [{"n": n} for n in numbers])
    # END SOLUTION


async def store_async(connection: AsyncConnection, number: int) -> None:
    """Insert one number."""
    # BEGIN SOLUTION
    await connection.execute(text("INSERT INTO numbers VALUES (:n)"), {"n": number})
    # END SOLUTION
'''

STORE_TESTS = '''
from sqlalchemy import text
from fixtures.target import learner_module

store = learner_module(__file__, "store")


def make_table(connection):
    connection.execute(text("CREATE TABLE numbers (n INTEGER)"))
    for n in range(10):
        connection.execute(text("INSERT INTO numbers VALUES (:n)"), {"n": 100 + n})


def call_through_a_helper(connection):
    store.store(connection, [7, 8, 9])


def test_stores(connection):
    make_table(connection)
    call_through_a_helper(connection)
    assert connection.execute(text("SELECT count(*) FROM numbers")).scalar_one() == 0, "deliberately wrong"


async def test_stores_async(async_connection):
    await async_connection.execute(text("CREATE TABLE numbers (n INTEGER)"))
    await store.store_async(async_connection, 41)
    assert (await async_connection.execute(text("SELECT count(*) FROM numbers"))).scalar_one() == 0, "wrong"
'''


def test_the_sql_of_a_failure_lists_the_learners_statements_first_then_the_tests(fake_pack: FakePack) -> None:
    fake_pack.write("solutions/01_demo/02_store/store.py", STORE_SOLUTION)
    fake_pack.write("katas/01_demo/02_store/test_store.py", STORE_TESTS)
    fake_pack.write("katas/01_demo/02_store/store.py", STORE_SOLUTION)
    run = fake_pack.pytest("katas", "-p", "no:randomly")
    assert run.returncode == 1, run.output
    sync_part, async_part = run.output.split("test_stores_async", 1)[0], run.output.split("test_stores_async", 1)[1]
    mine, theirs = sync_part.split("Your code sent 1 statement:", 1)[1].split("The test itself sent", 1)
    assert "INSERT INTO numbers VALUES (?)" in mine and "executemany, 3 rows: (7,), (8,), (9,)" in mine, run.output
    assert "CREATE TABLE" not in mine and "CREATE TABLE numbers" in theirs and "(x10)" in theirs, run.output
    assert "Your code sent 1 statement:\n  1. INSERT INTO numbers VALUES (?)\n     params: (41,)" in async_part, run.output



PANEL_TESTS = '''
import pytest
from sqlalchemy import text
from fixtures.target import learner_module

store = learner_module(__file__, "store")
missing = learner_module(__file__, "not_there")


def test_library_error(connection):
    store.store(connection, [1])  # no table: SQLAlchemy raises deep inside its own code


def test_budget(connection, queries):
    connection.execute(text("CREATE TABLE numbers (n INTEGER)"))
    queries.clear()
    with queries.budget(1, because="one INSERT"):
        for n in range(3):
            store.store_async  # touching the module is not a statement
            store.store(connection, [n])


@pytest.mark.task(2)
def test_missing_module():
    missing.anything()
'''


def test_failure_reports_show_the_learners_line_not_the_librarys_and_each_list_once(fake_pack: FakePack) -> None:
    fake_pack.write("solutions/01_demo/02_store/store.py", STORE_SOLUTION)
    fake_pack.write("katas/01_demo/02_store/test_store.py", PANEL_TESTS)
    fake_pack.write("katas/01_demo/02_store/store.py", STORE_SOLUTION.replace("connection.execute(text", "connection.execute(\n        text"))
    run = fake_pack.pytest("katas", "-p", "no:randomly")
    library, budget, missing = run.output.split("FAILURES", 1)[1].split("___ test_")[1:4]
    assert "site-packages" not in library and "sqlalchemy/engine" not in library, library
    assert "katas/01_demo/02_store/store.py:9: in store" in library, library
    assert budget.count("INSERT INTO numbers") == 1 and "3 times, params: (0,), (1,), (2,)" in budget, budget
    assert budget.count("Your code sent") == 1 and "SQL sent while the test ran" not in budget, budget
    assert "store.py does not exist" not in missing and "not_there.py does not exist" in missing, missing
    assert "kata reset katas/01_demo/02_store" in missing and "author" not in missing, missing
    assert "task 2" not in missing, "a module that is not there belongs to no task"


LEGACY_SOLUTION = '''
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(50))


def save(session: Session, text: str) -> Note:
    """Add a note and flush it."""
    # BEGIN SOLUTION
    note = Note(text=text)
    session.add(note)
    session.flush([note])
    return note
    # END SOLUTION


def count(session: Session) -> int:
    """How many notes there are."""
    # BEGIN SOLUTION
    return session.query(Note).count()
    # END SOLUTION
'''

LEGACY_TESTS = '''
from fixtures.target import learner_module

legacy = learner_module(__file__, "legacy")


def test_save_and_count(session):
    legacy.Base.metadata.create_all(session.connection())
    legacy.save(session, "hello")
    assert session.query(legacy.Note).count() == 1  # the test's own legacy call is not the learner's
    assert legacy.count(session) == 1
'''


def test_a_deprecated_api_in_the_learners_code_is_pointed_out_but_fails_nothing(fake_pack: FakePack) -> None:
    fake_pack.write("solutions/01_demo/04_legacy/legacy.py", LEGACY_SOLUTION)
    fake_pack.write("katas/01_demo/04_legacy/test_legacy.py", LEGACY_TESTS)
    fake_pack.write("katas/01_demo/04_legacy/legacy.py", LEGACY_SOLUTION)
    run = fake_pack.pytest("katas")
    assert run.returncode == 0 and "1 passed" in run.output, run.output
    section = run.output.split("deprecated SQLAlchemy APIs in your code", 1)[1]
    assert "katas/01_demo/04_legacy/legacy.py, line 21: The `objects` parameter of `Session.flush` is deprecated. Use session.flush() with no arguments" in section
    assert "Use session.flush() with no arguments" in section, section
    assert "legacy.py, line 29: Session.query() is the legacy Query API" in section and "Use session.scalars(select(" in section
    assert "test_legacy.py" not in section.split("(met by")[0] and section.count("Session.query()") == 1, section


def test_a_librarys_bare_not_implemented_error_is_not_called_an_unwritten_stub(fake_pack: FakePack) -> None:
    # Alembic's CreateTableOp.to_diff_tuple() raises a bare NotImplementedError: the learner's code
    # is written and calls it; "not written yet" would point the wrong way.
    fake_pack.write("vendored/some_library.py", "def to_diff_tuple():\n    raise NotImplementedError\n")
    write_adder(
        fake_pack,
        "import importlib.util, pathlib\n"
        "where = pathlib.Path(__file__).parents[3] / 'vendored' / 'some_library.py'\n"
        "spec = importlib.util.spec_from_file_location('some_library', where)\n"
        "lib = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(lib)\n"
        "def add(a, b):\n    return lib.to_diff_tuple()\n",
    )
    run = fake_pack.pytest("katas", "-k", "small")
    assert run.returncode == 1
    assert "is not written yet" not in run.output, run.output
