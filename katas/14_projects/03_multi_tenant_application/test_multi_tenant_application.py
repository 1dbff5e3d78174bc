"""Tests for kata 14.3, the multi-tenant application. Run: pytest katas/14_projects/03_multi_tenant_application

Tasks 1-2 run on the fast `session` fixture: two tenants' projects and tasks are seeded with Core
(one of tenant 2's tasks sneaked into a project of tenant 1, as a buggy import once did), then the
session is scoped to one tenant and every ORM path the README names is tried.

Task 3 uses the real `engine`: each tenant's schema exists before the test (PostgreSQL: CREATE
SCHEMA, dropped after; SQLite: a database file ATTACHed under the schema's name on every connection
of this test's engine, which is disposed of after the test).

Task 4 runs on PostgreSQL only: row-level security is a PostgreSQL feature. The role is created
inside the test's transaction (roles are cluster-wide; `worker_role_name()` gives a name per xdist
worker, so parallel workers do not wait on each other) and vanishes with the rollback, with the policy
and the grants. One test commits for real on the `engine` fixture (the harness drops the role after it).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, func, insert, inspect, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, aliased, joinedload, selectinload, subqueryload

from fixtures.isolation import configured_url, worker_role_name
from fixtures.target import learner_module

mt = learner_module(__file__, "multi_tenant_application")

# -- data: two tenants ------------------------------------------------------------------------------

PROJECTS = [(1, 1, "Website"), (2, 2, "Warehouse"), (3, 1, "Payroll"), (4, 2, "Catalogue")]
TASKS = [
    # id, tenant, project, title
    (10, 1, 1, "Draw the logo"),
    (11, 2, 2, "Count the boxes"),
    (12, 1, 1, "Write the copy"),
    (13, 2, 1, "Sneaked in"),  # tenant 2's task in tenant 1's project: never shown to tenant 1
    (14, 1, 3, "Pay March"),
    (15, 2, 4, "Photograph the mugs"),
    (16, 2, 2, "Order tape"),
]


def titles_of(tenant: int) -> list[str]:
    return sorted(title for _, t, _, title in TASKS if t == tenant)


def seed(connection: Connection) -> None:
    mt.Base.metadata.create_all(connection)
    projects, tasks = list(PROJECTS), list(TASKS)
    random.Random(143).shuffle(projects)
    random.Random(341).shuffle(tasks)
    connection.execute(
        insert(mt.Project.__table__), [{"id": i, "tenant_id": t, "name": n} for i, t, n in projects]
    )
    connection.execute(
        insert(mt.Task.__table__),
        [{"id": i, "tenant_id": t, "project_id": p, "title": title} for i, t, p, title in tasks],
    )
    if connection.dialect.name == "postgresql":  # explicit ids do not move the id sequences on
        for table in ("projects", "tasks"):
            connection.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 100)")


@pytest.fixture
def seeded(connection: Connection, session: Session) -> Session:
    seed(connection)  # on the test's connection, before the session's savepoint: session.rollback() keeps it
    return session


def scoped(session: Session, tenant: int) -> Session:
    mt.scope_to_tenant(session, tenant)
    return session


def all_rows(connection: Connection) -> list[tuple[int, int, bool]]:
    tasks = mt.Task.__table__
    return [
        tuple(r)
        for r in connection.execute(select(tasks.c.id, tasks.c.tenant_id, tasks.c.done).order_by(tasks.c.id))
    ]


TENANTS = pytest.mark.parametrize("tenant", [1, 2], ids=["tenant 1", "tenant 2"])


# -- task 1: every ORM read path --------------------------------------------------------------------


@pytest.mark.task(1)
@TENANTS
def test_select_and_count_see_only_the_tenants_rows(seeded: Session, tenant: int) -> None:
    session = scoped(seeded, tenant)
    assert session.info.get("tenant_id") == tenant, (
        'scope_to_tenant should record the tenant in session.info["tenant_id"]'
    )
    titles = sorted(session.scalars(select(mt.Task.title)))
    assert titles == titles_of(tenant), (
        f"select(Task.title) in tenant {tenant}'s session should return only its tasks {titles_of(tenant)}; "
        f"got {titles}"
    )
    counted = session.scalar(select(func.count()).select_from(mt.Task))
    assert counted == len(titles_of(tenant)), (
        f"select(func.count()).select_from(Task) should count only tenant {tenant}'s {len(titles_of(tenant))} "
        f"tasks; got {counted}"
    )
    names = sorted(session.scalars(select(mt.Project.name)))
    assert names == sorted(n for _, t, n in PROJECTS if t == tenant), (
        f"projects too should be filtered (every TenantScoped model); got {names}"
    )


@pytest.mark.task(1)
@TENANTS
def test_get_of_another_tenants_id_finds_nothing(seeded: Session, tenant: int) -> None:
    session = scoped(seeded, tenant)
    other_task = next(i for i, t, _, _ in TASKS if t != tenant)
    other_project = next(i for i, t, _ in PROJECTS if t != tenant)
    assert session.get(mt.Task, other_task) is None and session.get(mt.Project, other_project) is None, (
        f"session.get() of another tenant's id (task {other_task}, project {other_project}) should return None: "
        "get() sends a SELECT by primary key, which must be filtered like any other"
    )
    own = next(i for i, t, _, _ in TASKS if t == tenant)
    assert session.get(mt.Task, own) is not None, "session.get() of the tenant's own task should find it"


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "loading",
    ["lazy", "selectinload", "joinedload", "subqueryload"],
)
def test_relationship_loads_leave_out_another_tenants_rows(seeded: Session, loading: str) -> None:
    session = scoped(seeded, 1)
    stmt = select(mt.Project).where(mt.Project.id == 1)
    option = {"selectinload": selectinload, "joinedload": joinedload, "subqueryload": subqueryload}.get(
        loading
    )
    if option is not None:
        stmt = stmt.options(option(mt.Project.tasks))
    project = session.execute(stmt).unique().scalar_one()
    titles = sorted(task.title for task in project.tasks)
    assert titles == ["Draw the logo", "Write the copy"], (
        f"tenant 1's project 1 holds tenant 2's task 'Sneaked in' too; loaded with {loading}, project.tasks "
        f"should show only tenant 1's tasks ['Draw the logo', 'Write the copy'], got {titles}"
    )


@pytest.mark.task(1)
def test_aliases_and_joins_are_filtered(seeded: Session) -> None:
    session = scoped(seeded, 1)
    task_alias = aliased(mt.Task)
    titles = sorted(session.scalars(select(task_alias.title)))
    assert titles == titles_of(1), (
        f"select(aliased(Task).title) should be filtered too (with_loader_criteria(..., include_aliases=True)); "
        f"got {titles}"
    )
    pairs = sorted(session.execute(select(mt.Project.name, mt.Task.title).join(mt.Project.tasks)).all())
    expected = sorted((n, title) for _, t, p, title in TASKS if t == 1 for pid, _, n in PROJECTS if pid == p)
    assert [tuple(p) for p in pairs] == expected, (
        f"a join of Project and Task should pair only tenant 1's rows: expected {expected}, got {pairs}"
    )


@pytest.mark.task(1)
def test_orm_update_and_delete_touch_only_the_tenants_rows(seeded: Session) -> None:
    session = scoped(seeded, 2)
    changed = session.execute(update(mt.Task).values(done=True)).rowcount
    rows = all_rows(session.connection())
    assert changed == len(titles_of(2)) and all(done == (t == 2) for _, t, done in rows), (
        f"update(Task).values(done=True) in tenant 2's session should mark only tenant 2's "
        f"{len(titles_of(2))} tasks; it changed {changed}: {rows}"
    )
    session.execute(mt.Task.__table__.delete().where(mt.Task.id == -1))  # Core: not the ORM path, no effect
    from sqlalchemy import delete

    session.execute(delete(mt.Task).where(mt.Task.done.is_(True)))
    left = [(i, t) for i, t, _ in all_rows(session.connection())]
    assert left == [(i, t) for i, t, _, _ in sorted(TASKS) if t == 1], (
        f"delete(Task) in tenant 2's session should delete only tenant 2's rows; left: {left}"
    )


@pytest.mark.task(1)
def test_only_the_scoped_session_is_filtered(seeded: Session, connection: Connection) -> None:
    scoped(seeded, 1)
    with Session(bind=connection) as other:
        seen = sorted(other.scalars(select(mt.Task.id)))
    assert seen == sorted(i for i, *_ in TASKS), (
        "another session (not scoped) should still see every tenant's rows: listen on the one session object "
        f"given to scope_to_tenant, not on the Session class; it saw {seen}"
    )


# -- task 2: writes ---------------------------------------------------------------------------------


@pytest.mark.task(2)
@TENANTS
def test_new_rows_get_the_sessions_tenant(seeded: Session, tenant: int) -> None:
    session = scoped(seeded, tenant)
    project = mt.Project(name="Launch")
    project.tasks.append(mt.Task(title="Book the hall"))
    session.add(project)
    session.flush()
    stored = (
        session.connection()
        .execute(select(mt.Task.__table__.c.tenant_id).where(mt.Task.__table__.c.title == "Book the hall"))
        .scalar_one()
    )
    assert project.tenant_id == tenant and stored == tenant, (
        f"new objects flushed by tenant {tenant}'s session should get tenant_id {tenant} (a before_flush listener "
        f"on the session); the project has {project.tenant_id}, the task row {stored}"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("how", ["new task", "moved task"])
def test_writing_another_tenants_row_is_refused(seeded: Session, how: str) -> None:
    session = scoped(seeded, 1)
    before = all_rows(session.connection())
    if how == "new task":
        session.add(mt.Task(title="Planted", project_id=1, tenant_id=2))
    else:
        task = session.get(mt.Task, 10)
        assert task is not None
        task.tenant_id = 2
    try:
        session.flush()
        raised: BaseException | None = None
    except Exception as error:  # noqa: BLE001 - judged below
        raised = error
    assert isinstance(raised, mt.CrossTenantWrite), (
        f"tenant 1's session writing a row of tenant 2 ({how}) should raise CrossTenantWrite at flush; "
        f"got {raised!r}"
    )
    session.rollback()
    assert all_rows(session.connection()) == before, "the refused flush should have written nothing"


# -- task 3: a schema per tenant -----------------------------------------------------------------------

SCHEMAS = ("tenant_a", "tenant_b")


def on_postgresql(config: pytest.Config) -> bool:
    return configured_url(config).startswith("postgresql")


@pytest.fixture
def schema_engine(request: pytest.FixtureRequest, engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """The test's engine, with an empty schema per tenant."""
    if on_postgresql(request.config):
        with engine.begin() as conn:
            for schema in SCHEMAS:
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        yield engine
        with engine.begin() as conn:
            for schema in SCHEMAS:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    else:

        @event.listens_for(engine, "connect")
        def attach(dbapi_connection: Any, _record: Any) -> None:
            for schema in SCHEMAS:
                dbapi_connection.execute(f"ATTACH DATABASE '{tmp_path / schema}.db' AS \"{schema}\"")

        yield engine


def schema_names(engine: Engine, schema: str | None) -> list[str]:
    return sorted(inspect(engine).get_table_names(schema=schema))


def rows_in(engine: Engine, schema: str) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        return [
            tuple(r) for r in conn.exec_driver_sql(f'SELECT id, name FROM "{schema}".customers ORDER BY id')
        ]


@pytest.mark.task(3)
def test_tables_are_created_in_the_tenants_schema_only(schema_engine: Engine) -> None:
    mt.create_tenant_tables(schema_engine, "tenant_a")
    assert schema_names(schema_engine, "tenant_a") == ["customers"], (
        f"create_tenant_tables(engine, 'tenant_a') should create customers in schema tenant_a; it has "
        f"{schema_names(schema_engine, 'tenant_a')}"
    )
    assert schema_names(schema_engine, None) == [] and schema_names(schema_engine, "tenant_b") == [], (
        "nothing should be created in the default schema or another tenant's: "
        f"default {schema_names(schema_engine, None)}, tenant_b {schema_names(schema_engine, 'tenant_b')}"
    )
    assert "schema_translate_map" not in schema_engine.get_execution_options(), (
        "the engine passed in should be left as it was (Engine.execution_options() returns a copy)"
    )


@pytest.mark.task(3)
def test_each_tenant_engine_writes_and_reads_its_own_schema(schema_engine: Engine) -> None:
    for schema in SCHEMAS:
        mt.create_tenant_tables(schema_engine, schema)
    for schema, name in (("tenant_a", "Alice"), ("tenant_b", "Bob")):
        with Session(mt.tenant_engine(schema_engine, schema)) as session:
            session.add(mt.Customer(name=name))
            session.commit()
    assert rows_in(schema_engine, "tenant_a") == [(1, "Alice")] and rows_in(schema_engine, "tenant_b") == [
        (1, "Bob")
    ], (
        "a session on tenant_engine(engine, schema) should write to that schema only: expected tenant_a "
        f"[(1, 'Alice')] and tenant_b [(1, 'Bob')], found {rows_in(schema_engine, 'tenant_a')} and "
        f"{rows_in(schema_engine, 'tenant_b')}"
    )
    with Session(mt.tenant_engine(schema_engine, "tenant_b")) as session:
        names = list(session.scalars(select(mt.Customer.name)))
    assert names == ["Bob"], (
        f"reading through tenant_b's engine should see tenant_b's customers only; got {names}"
    )
    assert "schema_translate_map" not in schema_engine.get_execution_options(), (
        "tenant_engine() should return a new Engine, not change the one passed in"
    )


@pytest.mark.task(3)
def test_one_session_keeps_two_tenants_customers_apart(schema_engine: Engine) -> None:
    data = {
        "tenant_a": [(1, "Mira"), (2, "Ann"), (3, "Mira"), (4, "Zed")],
        "tenant_b": [(1, "Bob"), (2, "Cleo"), (3, "Al")],
    }
    for schema, rows in data.items():
        mt.create_tenant_tables(schema_engine, schema)
        with schema_engine.begin() as conn:
            # Stored oldest first: a missing "newest first" tie-break shows on both databases.
            for cid, name in rows:
                conn.exec_driver_sql(
                    f"INSERT INTO \"{schema}\".customers (id, name) VALUES ({cid}, '{name}')"
                )
    with Session(schema_engine) as session:
        first = mt.customers_in(session, "tenant_a")
        second = mt.customers_in(session, "tenant_b")
        got_a = [(c.id, c.name) for c in first]
        got_b = [(c.id, c.name) for c in second]
        same_objects = {id(c) for c in first} & {id(c) for c in second}
    want_a = sorted(data["tenant_a"], key=lambda r: (r[1], -r[0]))
    want_b = sorted(data["tenant_b"], key=lambda r: (r[1], -r[0]))
    assert got_b == want_b and not same_objects, (
        f"after reading tenant_a, the same session read tenant_b: expected {want_b}, got {got_b}. Customer 1 "
        "exists in both schemas; without an identity_token the session's identity map hands back tenant_a's "
        "object for tenant_b's row"
    )
    assert got_a == want_a, (
        f"tenant_a's customers sorted by name, then newest (highest id) first: expected {want_a}, got {got_a}"
    )


# -- task 4: PostgreSQL row-level security ----------------------------------------------------------

RLS_REASON = "row-level security (CREATE POLICY, SET ROLE) is a PostgreSQL feature; SQLite has no roles"


@pytest.fixture
def rls(connection: Connection) -> Iterator[tuple[Connection, str]]:
    """Seeded tables and a fresh non-superuser role, all inside the test's transaction."""
    seed(connection)
    # The harness's per-worker name, made unusual (a dot, a space, a dash) so that it only survives when
    # quoted as an identifier.
    role = worker_role_name("14.3 tenant-app")
    connection.exec_driver_sql(f'CREATE ROLE "{role}" NOLOGIN')
    yield connection, role


def visible_titles(connection: Connection) -> list[str]:
    return sorted(connection.execute(text("SELECT title FROM tasks")).scalars())


@pytest.mark.task(4)
@pytest.mark.backends("postgresql", reason=RLS_REASON)
@pytest.mark.parametrize("tenant", [1, 2], ids=["tenant 1", "tenant 2"])
def test_the_database_shows_each_tenant_only_its_rows_even_to_raw_sql(
    rls: tuple[Connection, str], tenant: int
) -> None:
    connection, role = rls
    mt.enable_row_level_security(connection, role)
    mt.act_as_tenant(connection, role, tenant)
    who = connection.execute(text("SELECT current_user")).scalar_one()
    assert who == role, (
        f"act_as_tenant should switch to the role {role!r} (SET LOCAL ROLE); current_user is {who!r}"
    )
    assert visible_titles(connection) == titles_of(tenant), (
        f"as tenant {tenant}, even a raw 'SELECT title FROM tasks' should return only its rows "
        f"{titles_of(tenant)}; got {visible_titles(connection)}. A policy USING (tenant_id = ...) on tasks, "
        "with row-level security enabled, does it"
    )
    changed = connection.execute(text("UPDATE tasks SET done = true")).rowcount
    assert changed == len(titles_of(tenant)), (
        f"an UPDATE of every row should reach only tenant {tenant}'s {len(titles_of(tenant))} rows; it changed {changed}"
    )


@pytest.mark.task(4)
@pytest.mark.backends("postgresql", reason=RLS_REASON)
def test_the_database_refuses_rows_for_another_tenant(rls: tuple[Connection, str]) -> None:
    connection, role = rls
    mt.enable_row_level_security(connection, role)
    mt.act_as_tenant(connection, role, 1)
    connection.execute(
        text("INSERT INTO tasks (tenant_id, project_id, title, done) VALUES (1, 1, 'Mine', false)")
    )
    assert "Mine" in visible_titles(connection), (
        "the tenant should be able to insert its own row (the role needs INSERT on tasks and USAGE on its "
        "id sequence, tasks_id_seq)"
    )
    nested = connection.begin_nested()
    try:
        connection.execute(
            text("INSERT INTO tasks (tenant_id, project_id, title, done) VALUES (2, 2, 'Planted', false)")
        )
        refused: BaseException | None = None
    except DBAPIError as error:
        refused = error
    nested.rollback()
    assert refused is not None and "row-level security" in str(refused), (
        "as tenant 1, inserting a row of tenant 2 should be refused by the database ('new row violates "
        f"row-level security policy'): the policy's WITH CHECK; got {refused!r}"
    )
    extra = [
        privilege
        for privilege in ("TRUNCATE", "REFERENCES", "TRIGGER")
        if connection.execute(
            text("SELECT has_table_privilege(:role, 'tasks', :privilege)"),
            {"role": role, "privilege": privilege},
        ).scalar_one()
    ]
    assert not extra, (
        f"the role should get SELECT, INSERT, UPDATE and DELETE on tasks, nothing more; it also has {extra}. "
        "TRUNCATE empties the table without looking at any policy (row-level security does not apply to it): "
        "GRANT ALL gives it away"
    )


@pytest.mark.task(4)
@pytest.mark.backends("postgresql", reason=RLS_REASON)
@pytest.mark.parametrize("setting", ["unset", "empty"])
def test_no_tenant_set_means_no_rows_not_an_error(rls: tuple[Connection, str], setting: str) -> None:
    connection, role = rls
    mt.enable_row_level_security(connection, role)
    connection.exec_driver_sql(f'SET LOCAL ROLE "{role}"')
    if setting == "empty":  # what a pooled connection that once set it shows after a rollback
        connection.exec_driver_sql("SELECT set_config('app.tenant_id', '', true)")
    try:
        seen = visible_titles(connection)
    except DBAPIError as error:
        pytest.fail(
            f"with app.tenant_id {setting}, reading tasks should return no rows, not fail: {str(error.orig).strip()}. "
            "current_setting('app.tenant_id') fails when unset and ''::int fails when empty: use "
            "nullif(current_setting('app.tenant_id', true), '')::int",
            pytrace=False,
        )
    assert seen == [], f"with no tenant set, no rows should be visible; got {seen}"


@pytest.mark.task(4)
@pytest.mark.backends("postgresql", reason=RLS_REASON)
def test_role_and_tenant_end_with_the_transaction(rls: tuple[Connection, str], queries: Any) -> None:
    connection, role = rls
    mt.enable_row_level_security(connection, role)
    queries.clear()
    mt.act_as_tenant(connection, role, 2)
    # Placeholders (%(name)s) made into "?", so that a regular expression can read the arguments.
    sent = " ; ".join(re.sub(r"%\(\w+\)s", "?", " ".join(s.sql.split())) for s in queries.statements)
    false_bound = any(
        value is False for s in queries.statements if "set_config" in s.sql.lower() for value in s.values
    )
    session_wide = (
        re.search(r"\bset\s+(session\s+)?role\b", sent, re.IGNORECASE)
        or re.search(r"set_config\s*\([^,]+,[^,]+,\s*false\s*\)", sent, re.IGNORECASE)
        or (false_bound and re.search(r"set_config\s*\([^,]+,[^,]+,\s*\?\s*\)", sent, re.IGNORECASE))
        or re.search(r"\bset\s+(session\s+)?\"?app\.tenant_id", sent, re.IGNORECASE)
    )
    assert not session_wide, (
        "act_as_tenant should set the role and the tenant for the current TRANSACTION only (SET LOCAL ROLE, "
        "set_config(..., true)): a session-wide SET outlives the commit, and the pool then hands the next "
        f"request a connection still acting as this tenant. Sent: {sent}"
    )
    setting = connection.execute(text("SELECT current_setting('app.tenant_id', true)")).scalar_one()
    assert setting == "2", f"app.tenant_id should be '2' after act_as_tenant(..., 2); it is {setting!r}"


@pytest.mark.task(4)
@pytest.mark.backends("postgresql", reason=RLS_REASON)
def test_after_the_commit_the_connection_is_nobodys(engine: Engine) -> None:
    # A real commit on a pooled connection, as a request handler makes: afterwards the connection must be
    # back to the application's own user with no tenant, whatever statements act_as_tenant used.
    role = worker_role_name("14.3 tenant-app")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f'CREATE ROLE "{role}" NOLOGIN'
        )  # committed; the harness drops it after the test
        user = conn.execute(text("SELECT current_user")).scalar_one()
    with engine.connect() as conn:
        with conn.begin():
            mt.act_as_tenant(conn, role, 2)
            during = conn.execute(text("SELECT current_user, current_setting('app.tenant_id', true)")).one()
        after = tuple(conn.execute(text("SELECT current_user, current_setting('app.tenant_id', true)")).one())
        conn.rollback()
    assert tuple(during) == (role, "2"), (
        f"inside the transaction act_as_tenant(..., 2) should act as {role!r} for tenant '2'; it was {tuple(during)}"
    )
    assert after[0] == user and after[1] in (None, ""), (
        f"after the commit the connection should be back to {user!r} with no tenant set, since the pool lends it "
        f"to the next request; it was still {after}. SET LOCAL ROLE and set_config(..., true) end with the "
        "transaction; SET ROLE, SET SESSION AUTHORIZATION and set_config(..., false) stay on the connection"
    )
