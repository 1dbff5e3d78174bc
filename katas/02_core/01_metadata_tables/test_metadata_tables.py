"""Tests for kata 2.1, MetaData and tables. Run: pytest katas/02_core/01_metadata_tables"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, MetaData, Table, exc, insert, inspect, select, text

from fixtures.target import learner_module

metadata_tables = learner_module(__file__, "metadata_tables")

# -- the new schema (tasks 1 and 2) -----------------------------------------------------------


def create_new_schema(connection: Connection, *needed: str) -> None:
    """Run the learner's metadata.create_all() after checking it describes the tables a test needs."""
    metadata = metadata_tables.metadata
    assert isinstance(metadata, MetaData), "metadata_tables.metadata should be a sqlalchemy MetaData()"
    missing = [name for name in needed if name not in metadata.tables]
    assert not missing, (
        f"metadata has no table {', '.join(missing)} yet: define it with Table({missing[0]!r}, metadata, ...) "
        f"(metadata has {', '.join(sorted(metadata.tables)) or 'no tables at all'})"
    )
    metadata.create_all(connection)


def columns_of(connection: Connection, table: str) -> dict[str, dict[str, Any]]:
    """The columns of a table as the database reports them, by name."""
    return {column["name"]: dict(column) for column in inspect(connection).get_columns(table)}


def check_columns(connection: Connection, table: str, expected: dict[str, tuple[type, bool]]) -> None:
    actual = columns_of(connection, table)
    assert list(actual) == list(expected), (
        f"the {table} table in the database has the columns {list(actual)}; "
        f"expected {list(expected)}, in that order"
    )
    for name, (python_type, nullable) in expected.items():
        got_type = actual[name]["type"]
        assert got_type.python_type is python_type, (
            f"{table}.{name} is {got_type!r} in the database, whose values come back as "
            f"{got_type.python_type.__name__}; it should hold {python_type.__name__} values"
        )
        assert actual[name]["nullable"] is nullable, (
            f"{table}.{name} should be {'NULL' if nullable else 'NOT NULL'}: "
            + ("it may be empty" if nullable else "pass nullable=False to Column()")
        )


@pytest.mark.task(1)
def test_members_table_has_its_columns_types_and_nullability(connection: Connection) -> None:
    create_new_schema(connection, "members")
    check_columns(
        connection,
        "members",
        {"id": (int, False), "name": (str, False), "email": (str, False), "joined_on": (date, False)},
    )
    columns = columns_of(connection, "members")
    lengths = {name: getattr(columns[name]["type"], "length", None) for name in ("name", "email")}
    assert lengths == {"name": 100, "email": 200}, (
        f"members.name should be String(100) and members.email String(200); the database has lengths {lengths}"
    )


@pytest.mark.task(1)
def test_members_id_is_the_primary_key_and_email_is_unique(connection: Connection) -> None:
    create_new_schema(connection, "members")
    pk = inspect(connection).get_pk_constraint("members")["constrained_columns"]
    assert pk == ["id"], f"the primary key of members should be (id), the database has {pk}"
    row = {"name": "Ada", "email": "ada@example.org", "joined_on": date(2024, 5, 1)}
    connection.execute(insert(metadata_tables.metadata.tables["members"]), {"id": 1, **row})
    with pytest.raises(exc.IntegrityError), connection.begin_nested():
        connection.execute(insert(metadata_tables.metadata.tables["members"]), {"id": 2, **row})
        pytest.fail("two members with the same email were accepted: members.email should be unique=True")


@pytest.mark.task(2)
def test_tools_table_has_its_columns_and_an_index_on_category(connection: Connection) -> None:
    create_new_schema(connection, "tools")
    check_columns(
        connection,
        "tools",
        {
            "id": (int, False),
            "name": (str, False),
            "category": (str, False),
            "daily_fee": (Decimal, False),
            "available": (bool, False),
        },
    )
    columns = columns_of(connection, "tools")
    lengths = {name: getattr(columns[name]["type"], "length", None) for name in ("name", "category")}
    assert lengths == {"name": 100, "category": 50}, (
        f"tools.name should be String(100) and tools.category String(50); the database has lengths {lengths}"
    )
    fee = columns["daily_fee"]["type"]
    assert (getattr(fee, "precision", None), getattr(fee, "scale", None)) == (6, 2), (
        f"tools.daily_fee should be Numeric(6, 2): exact money, 6 digits of which 2 after the point; "
        f"the database has {fee!r}"
    )
    indexed = [ix["column_names"] for ix in inspect(connection).get_indexes("tools") if not ix["unique"]]
    assert ["category"] in indexed, (
        f"the tools list is filtered by category all day: tools.category needs an index "
        f"(index=True); the database has non-unique indexes on {indexed}"
    )


@pytest.mark.task(2)
def test_loans_table_has_its_columns_and_foreign_keys(connection: Connection) -> None:
    create_new_schema(connection, "members", "tools", "loans")
    check_columns(
        connection,
        "loans",
        {
            "id": (int, False),
            "tool_id": (int, False),
            "member_id": (int, False),
            "borrowed_on": (date, False),
            "returned_on": (date, True),
        },
    )
    references = sorted(
        (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
        for fk in inspect(connection).get_foreign_keys("loans")
    )
    expected = [(("member_id",), "members", ("id",)), (("tool_id",), "tools", ("id",))]
    assert references == expected, (
        f"loans.tool_id should reference tools.id and loans.member_id members.id (ForeignKey); "
        f"the database has {references}"
    )


@pytest.mark.task(2)
def test_loans_has_the_named_two_column_index(connection: Connection) -> None:
    create_new_schema(connection, "members", "tools", "loans")
    indexes = {ix["name"]: ix["column_names"] for ix in inspect(connection).get_indexes("loans")}
    assert indexes.get("ix_loans_member_borrowed") == ["member_id", "borrowed_on"], (
        "a member's loan history is read by member and date: loans needs an index named "
        f"ix_loans_member_borrowed on (member_id, borrowed_on), in that order; the database has {indexes}"
    )


# -- the legacy database (tasks 3 to 5) --------------------------------------------------------

LEGACY_DDL = [
    """CREATE TABLE legacy_members (
        member_no INTEGER NOT NULL PRIMARY KEY,
        full_name VARCHAR(120) NOT NULL,
        phone VARCHAR(30),
        joined DATE NOT NULL
    )""",
    """CREATE TABLE legacy_tools (
        tool_code VARCHAR(12) NOT NULL PRIMARY KEY,
        label VARCHAR(80) NOT NULL,
        deposit NUMERIC(8, 2) NOT NULL,
        retired BOOLEAN NOT NULL
    )""",
    """CREATE TABLE legacy_loans (
        loan_id INTEGER NOT NULL PRIMARY KEY,
        member_no INTEGER NOT NULL REFERENCES legacy_members (member_no),
        tool_code VARCHAR(12) NOT NULL REFERENCES legacy_tools (tool_code),
        out_on DATE NOT NULL,
        back_on DATE
    )""",
    "CREATE INDEX legacy_loans_by_member ON legacy_loans (member_no, out_on)",
    # Not part of the legacy system: a leftover of somebody's import script,
    "CREATE TABLE import_scratch (line INTEGER, payload TEXT)",
    # and a newer table whose name has "legacy_" in it, but not at the start.
    "CREATE TABLE old_legacy_notes (note_id INTEGER NOT NULL PRIMARY KEY, note TEXT)",
]
# Present in some tests only, so that a hard-coded list of table names cannot pass.
REPAIRS_DDL = [
    """CREATE TABLE legacy_repairs (
        repair_id INTEGER NOT NULL,
        tool_code VARCHAR(12) NOT NULL REFERENCES legacy_tools (tool_code),
        cost NUMERIC(8, 2),
        done BOOLEAN NOT NULL,
        PRIMARY KEY (tool_code, repair_id)
    )""",
    # Index order is neither table order nor alphabetical.
    "CREATE INDEX legacy_repairs_open ON legacy_repairs (done, cost)",
    # A two-column foreign key, to the two-column primary key above.
    """CREATE TABLE legacy_repair_parts (
        part_no INTEGER NOT NULL PRIMARY KEY,
        tool_code VARCHAR(12) NOT NULL,
        repair_id INTEGER NOT NULL,
        part_name VARCHAR(60) NOT NULL,
        FOREIGN KEY (tool_code, repair_id) REFERENCES legacy_repairs (tool_code, repair_id)
    )""",
]
LEGACY_ROWS = {
    "legacy_members": [
        {"member_no": 7, "full_name": "Grace Hopper", "phone": None, "joined": date(2019, 3, 2)},
        {"member_no": 9, "full_name": "Alan Turing", "phone": "555-0199", "joined": date(2021, 11, 30)},
    ],
    "legacy_tools": [
        {"tool_code": "DRL-01", "label": "Cordless drill", "deposit": Decimal("40.00"), "retired": False},
        {"tool_code": "SAW-02", "label": "Circular saw", "deposit": Decimal("75.50"), "retired": True},
    ],
    "legacy_loans": [
        {"loan_id": 1, "member_no": 9, "tool_code": "DRL-01", "out_on": date(2024, 6, 1), "back_on": None},
        {"loan_id": 2, "member_no": 7, "tool_code": "SAW-02", "out_on": date(2024, 6, 3),
         "back_on": date(2024, 6, 5)},
    ],
    "legacy_repairs": [
        {"repair_id": 1, "tool_code": "SAW-02", "cost": Decimal("12.90"), "done": True},
        {"repair_id": 2, "tool_code": "SAW-02", "cost": None, "done": False},
    ],
    "legacy_repair_parts": [
        {"part_no": 1, "tool_code": "SAW-02", "repair_id": 1, "part_name": "Blade"},
        {"part_no": 2, "tool_code": "SAW-02", "repair_id": 2, "part_name": "Guard spring"},
    ],
}
LEGACY_FACTS = {
    "legacy_members": (
        [("member_no", int, False), ("full_name", str, False), ("phone", str, True), ("joined", date, False)],
        ["member_no"],
        {},
        {},
    ),
    "legacy_tools": (
        [("tool_code", str, False), ("label", str, False), ("deposit", Decimal, False), ("retired", bool, False)],
        ["tool_code"],
        {},
        {},
    ),
    "legacy_loans": (
        [("loan_id", int, False), ("member_no", int, False), ("tool_code", str, False),
         ("out_on", date, False), ("back_on", date, True)],
        ["loan_id"],
        {"member_no": "legacy_members.member_no", "tool_code": "legacy_tools.tool_code"},
        {"legacy_loans_by_member": ["member_no", "out_on"]},
    ),
    "legacy_repairs": (
        [("repair_id", int, False), ("tool_code", str, False), ("cost", Decimal, True), ("done", bool, False)],
        ["tool_code", "repair_id"],
        {"tool_code": "legacy_tools.tool_code"},
        {"legacy_repairs_open": ["done", "cost"]},
    ),
    "legacy_repair_parts": (
        [("part_no", int, False), ("tool_code", str, False), ("repair_id", int, False),
         ("part_name", str, False)],
        ["part_no"],
        {"tool_code": "legacy_repairs.tool_code", "repair_id": "legacy_repairs.repair_id"},
        {},
    ),
}


@pytest.fixture
def legacy(connection: Connection) -> Connection:
    """The undocumented legacy schema, made with raw DDL (no Python Table objects exist for it)."""
    for statement in LEGACY_DDL:
        connection.execute(text(statement))
    return connection


@pytest.fixture
def legacy_with_repairs(legacy: Connection) -> Connection:
    """The legacy schema plus legacy_repairs (two-column primary key) and legacy_repair_parts (its FK)."""
    for statement in REPAIRS_DDL:
        legacy.execute(text(statement))
    return legacy


FEES_V1 = "CREATE TABLE legacy_fees (fee_id INTEGER NOT NULL PRIMARY KEY, amount NUMERIC(6, 2))"
FEES_V2 = "CREATE TABLE legacy_fees (fee_code VARCHAR(8) NOT NULL PRIMARY KEY, waived BOOLEAN)"
LEGACY_TABLES = ["legacy_members", "legacy_tools", "legacy_loans", "legacy_repairs", "legacy_repair_parts"]
PARENTS = {
    "legacy_members": [],
    "legacy_tools": [],
    "legacy_loans": ["legacy_members", "legacy_tools"],
    "legacy_repairs": ["legacy_tools"],
    "legacy_repair_parts": ["legacy_tools", "legacy_repairs"],  # in insertion order
}


@pytest.mark.task(3)
@pytest.mark.parametrize("name", LEGACY_TABLES)
def test_load_table_reads_columns_and_primary_key_from_the_database(
    legacy_with_repairs: Connection, name: str
) -> None:
    table = metadata_tables.load_table(legacy_with_repairs, name)
    assert isinstance(table, Table), f"load_table() should return a sqlalchemy Table, not {type(table).__name__}"
    columns, primary_key, _, _ = LEGACY_FACTS[name]
    names = [column.name for column in table.columns]
    assert names == [c[0] for c in columns], (
        f"the {name} table has the columns {[c[0] for c in columns]} in the database; the Table returned "
        f"by load_table() has {names}. Let SQLAlchemy read them: Table(name, MetaData(), autoload_with=...)"
    )
    pk = [column.name for column in table.primary_key.columns]
    assert pk == primary_key, f"the primary key of {name} is {primary_key}; the returned Table says {pk}"
    leaked = sorted(set(metadata_tables.metadata.tables) & set(LEGACY_TABLES))
    assert not leaked, (
        f"load_table() added {leaked} to the new system's `metadata`, whose create_all() would now create "
        "legacy tables in the new database: reflect into a MetaData() of its own"
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("name", LEGACY_TABLES)
def test_load_table_gives_a_table_you_can_insert_into_and_select_from(
    legacy_with_repairs: Connection, name: str
) -> None:
    for parent in PARENTS[name]:  # rows the foreign keys point at, inserted without the learner's code
        seed = Table(parent, MetaData(), autoload_with=legacy_with_repairs)
        legacy_with_repairs.execute(insert(seed), LEGACY_ROWS[parent])
    table = metadata_tables.load_table(legacy_with_repairs, name)
    legacy_with_repairs.execute(insert(table), LEGACY_ROWS[name])
    key = [column for column in table.primary_key.columns]
    rows = [dict(row) for row in legacy_with_repairs.execute(select(table).order_by(*key)).mappings()]
    assert rows == LEGACY_ROWS[name], (
        f"rows inserted into {name} through the loaded Table should read back unchanged, with Python "
        f"types (Decimal, date, bool, None); expected {LEGACY_ROWS[name]}, got {rows}"
    )


@pytest.mark.task(3)
def test_load_table_reads_the_table_as_it_is_now(legacy: Connection) -> None:
    legacy.execute(text(FEES_V1))
    first = [column.name for column in metadata_tables.load_table(legacy, "legacy_fees").columns]
    legacy.execute(text("DROP TABLE legacy_fees"))
    legacy.execute(text(FEES_V2))
    second = [column.name for column in metadata_tables.load_table(legacy, "legacy_fees").columns]
    assert (first, second) == (["fee_id", "amount"], ["fee_code", "waived"]), (
        "legacy_fees was (fee_id, amount), then dropped and created again as (fee_code, waived); "
        f"load_table() saw {first} and then {second}. Read the database on every call: a Table kept in a "
        "shared MetaData is returned as it was, without looking at the database again"
    )


@pytest.mark.task(3)
def test_load_table_knows_the_foreign_keys(legacy: Connection) -> None:
    table = metadata_tables.load_table(legacy, "legacy_loans")
    targets = sorted(fk.target_fullname for fk in table.foreign_keys)
    assert targets == ["legacy_members.member_no", "legacy_tools.tool_code"], (
        f"legacy_loans refers to legacy_members.member_no and legacy_tools.tool_code; the Table "
        f"returned by load_table() knows of {targets}"
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("with_repairs", [False, True], ids=["three legacy tables", "five legacy tables"])
def test_reflect_legacy_returns_every_legacy_table_and_nothing_else(
    legacy: Connection, with_repairs: bool
) -> None:
    if with_repairs:
        for statement in REPAIRS_DDL:
            legacy.execute(text(statement))
    expected = sorted(LEGACY_TABLES if with_repairs else LEGACY_TABLES[:3])
    reflected = metadata_tables.reflect_legacy(legacy)
    assert isinstance(reflected, MetaData), (
        f"reflect_legacy() should return a MetaData, not {type(reflected).__name__}"
    )
    assert sorted(reflected.tables) == expected, (
        f"the database has the legacy tables {expected}, and also import_scratch and old_legacy_notes, "
        "whose names do not start with legacy_; "
        f"reflect_legacy() returned {sorted(reflected.tables)}. MetaData.reflect(only=...) accepts "
        "a list of names or a function deciding by name."
    )


@pytest.mark.task(4)
def test_reflect_legacy_links_the_tables_through_their_foreign_keys(legacy: Connection) -> None:
    reflected = metadata_tables.reflect_legacy(legacy)
    tables = reflected.tables
    assert {"legacy_members", "legacy_loans"} <= set(tables), f"missing legacy tables in {sorted(tables)}"
    linked = tables["legacy_loans"].c.member_no.references(tables["legacy_members"].c.member_no)
    assert linked, (
        "legacy_loans.member_no should reference the legacy_members table of the same MetaData, "
        "so that joins and create_all/drop_all order work: reflect them all into one MetaData"
    )
    order = [table.name for table in reflected.sorted_tables]
    assert order.index("legacy_loans") > order.index("legacy_members"), (
        f"sorted_tables should list legacy_members before legacy_loans, which depends on it; got {order}"
    )


@pytest.mark.task(5)
@pytest.mark.parametrize("name", LEGACY_TABLES)
def test_describe_table_reports_what_the_database_has(legacy_with_repairs: Connection, name: str) -> None:
    facts = metadata_tables.describe_table(legacy_with_repairs, name)
    columns, primary_key, references, indexes = LEGACY_FACTS[name]
    got_columns = [(c.name, c.python_type, c.nullable) for c in facts.columns]
    assert got_columns == columns, (
        f"describe_table({name!r}).columns should be (name, python_type, nullable) for each column in "
        f"table order; expected {[(n, t.__name__, z) for n, t, z in columns]}, "
        f"got {[(n, getattr(t, '__name__', t), z) for n, t, z in got_columns]}"
    )
    assert list(facts.primary_key) == primary_key, (
        f"{name} has the primary key {primary_key} (in key order); describe_table() says {facts.primary_key}"
    )
    assert dict(facts.references) == references, (
        f"{name}'s foreign keys are {references or 'none'}; describe_table() says {facts.references}"
    )
    assert {k: list(v) for k, v in facts.indexes.items()} == indexes, (
        f"{name}'s indexes are {indexes or 'none'}; describe_table() says {facts.indexes}"
    )


@pytest.mark.task(5)
def test_describe_table_sees_a_table_created_a_moment_ago(legacy: Connection) -> None:
    legacy.execute(text("CREATE TABLE legacy_fees (fee_id INTEGER NOT NULL PRIMARY KEY, amount NUMERIC(6, 2))"))
    facts = metadata_tables.describe_table(legacy, "legacy_fees")
    got = [(c.name, c.python_type, c.nullable) for c in facts.columns]
    assert got == [("fee_id", int, False), ("amount", Decimal, True)], (
        f"legacy_fees has (fee_id INTEGER NOT NULL PRIMARY KEY, amount NUMERIC(6, 2)); describe_table() says {got}: "
        "ask the database each time, do not keep an answer from an earlier call"
    )
    legacy.execute(text("DROP TABLE legacy_fees"))
    legacy.execute(text(FEES_V2))
    facts = metadata_tables.describe_table(legacy, "legacy_fees")
    got = [(c.name, c.python_type, c.nullable) for c in facts.columns]
    assert got == [("fee_code", str, False), ("waived", bool, True)], (
        "legacy_fees was dropped and created again as (fee_code VARCHAR(8) NOT NULL PRIMARY KEY, "
        f"waived BOOLEAN); describe_table() says {got}: ask the database each time, do not keep an answer "
        "from an earlier call"
    )
