"""Tests for kata 8.3, creating migrations. Run: pytest katas/08_alembic/03_creating_migrations"""

from __future__ import annotations

import io
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Boolean, Connection, Integer, String, column, inspect, table, text
from sqlalchemy.exc import IntegrityError

from fixtures.target import learner_path

STATIONS, BIKES, IN_SERVICE = "9c4f2a7e1b03", "2b8d6e0f4a91", "e61a0c5d9f27"
ORDER = [STATIONS, BIKES, IN_SERVICE]
NAMES = {STATIONS: "create stations", BIKES: "create bikes", IN_SERVICE: "bikes in service"}

stations = table("stations", column("id"), column("name"))
bikes = table("bikes", column("id"), column("serial"), column("model"), column("station_id"))
bikes_v3 = table("bikes", column("id"), column("serial"), column("model"), column("station_id"), column("in_service"))


def config_for(connection: Connection) -> Config:
    config = Config(stdout=io.StringIO())
    config.set_main_option("script_location", str(learner_path(__file__, "rental_migrations")))
    config.attributes["connection"] = connection
    return config


def migrate(connection: Connection, direction: str, target: str) -> None:
    """upgrade or downgrade; an error is reported as one sentence naming the step."""
    action = command.upgrade if direction == "upgrade" else command.downgrade
    label = NAMES.get(target, target)
    try:
        action(config_for(connection), target)
    except Exception as error:
        if isinstance(error, NotImplementedError) and not str(error):
            raise  # an unwritten stub: the harness names the function
        pytest.fail(f"`alembic {direction} {target}` ({label}) failed: {type(error).__name__}: {error}", pytrace=False)


def snapshot(connection: Connection) -> dict[str, Any]:
    """The schema as the database reports it: columns, indexes, foreign keys, unique constraints."""
    inspector = inspect(connection)
    found: dict[str, Any] = {}
    for name in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
        found[name] = {
            "columns": sorted((c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(name)),
            "foreign keys": sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
                for fk in inspector.get_foreign_keys(name)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)),
        }
    return found


def columns_of(connection: Connection, name: str) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in inspect(connection).get_columns(name)}


def indexes_of(connection: Connection, name: str) -> dict[str, list[str]]:
    return {i["name"]: list(i["column_names"]) for i in inspect(connection).get_indexes(name)}


def refused(connection: Connection, statement: Any, rows: Any) -> bool:
    """Does the database refuse this INSERT? (In a savepoint, so the test goes on either way.)"""
    savepoint = connection.begin_nested()
    try:
        connection.execute(statement, rows)
    except IntegrityError:
        savepoint.rollback()
        return True
    savepoint.rollback()
    return False


def seed_stations(connection: Connection) -> None:
    connection.execute(stations.insert(), [{"id": 1, "name": "Harbour"}, {"id": 2, "name": "Old Town"}])


BIKE_ROWS = [
    {"id": 1, "serial": "RX-1001", "model": "City", "station_id": 1},
    {"id": 2, "serial": "RX-1002", "model": "Cargo", "station_id": 1},
    {"id": 3, "serial": "RX-2001", "model": "City", "station_id": 2},
]


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_the_revisions_form_one_line_from_stations_to_bikes_in_service() -> None:
    config = Config()
    config.set_main_option("script_location", str(learner_path(__file__, "rental_migrations")))
    script = ScriptDirectory.from_config(config)
    heads, bases = script.get_heads(), script.get_bases()
    assert heads == [IN_SERVICE] and bases == [STATIONS], (
        "the three revisions should form one line: create stations -> create bikes -> bikes in service, "
        f"so there is one base ({STATIONS}) and one head ({IN_SERVICE}). Found bases {bases} and heads "
        f"{heads}: each revision's down_revision must name the revision it comes after (None only for the first)."
    )
    order = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert order == ORDER, f"the revisions should apply in the order {ORDER}, not {order}"


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_create_bikes_makes_the_table_with_its_columns(connection: Connection) -> None:
    migrate(connection, "upgrade", BIKES)
    assert "bikes" in inspect(connection).get_table_names(), "upgrading to 'create bikes' should create the bikes table"
    columns = columns_of(connection, "bikes")
    assert set(columns) == {"id", "serial", "model", "station_id"}, (
        f"bikes should have the columns id, serial, model, station_id; it has {sorted(columns)}"
    )
    expected = {"serial": (String, 30), "model": (String, 60), "station_id": (Integer, None), "id": (Integer, None)}
    for name, (kind, length) in expected.items():
        got = columns[name]["type"]
        assert isinstance(got, kind) and (length is None or got.length == length), (
            f"bikes.{name} should be {kind.__name__}{f'({length})' if length else ''}, the database has {got}"
        )
    nullable = sorted(name for name in ("serial", "model", "station_id") if columns[name]["nullable"])
    assert not nullable, f"serial, model and station_id are required (NOT NULL); nullable: {nullable}"
    assert inspect(connection).get_pk_constraint("bikes")["constrained_columns"] == ["id"], "bikes.id is the primary key"


@pytest.mark.task(2)
def test_bikes_reference_stations_and_serials_are_unique(connection: Connection) -> None:
    migrate(connection, "upgrade", BIKES)
    seed_stations(connection)
    connection.execute(bikes.insert(), BIKE_ROWS)
    assert refused(connection, bikes.insert(), {"id": 9, "serial": "RX-9", "model": "City", "station_id": 99}), (
        "a bike at station 99 (there is none) should be refused: bikes.station_id is a foreign key to stations.id"
    )
    assert refused(connection, bikes.insert(), {"id": 9, "serial": "RX-1001", "model": "City", "station_id": 2}), (
        "a second bike with the serial RX-1001 should be refused: serial is UNIQUE"
    )
    assert not refused(connection, bikes.insert(), {"id": 9, "serial": "RX-9", "model": "City", "station_id": 2}), (
        "a new bike with a new serial at an existing station should be accepted"
    )


@pytest.mark.task(2)
def test_create_bikes_indexes_the_station(connection: Connection) -> None:
    migrate(connection, "upgrade", BIKES)
    indexes = indexes_of(connection, "bikes")
    assert indexes.get("ix_bikes_station_id") == ["station_id"], (
        f"'create bikes' should create the index ix_bikes_station_id on bikes(station_id); bikes has {indexes}"
    )


@pytest.mark.task(2)
def test_downgrading_create_bikes_leaves_the_stations_as_they_were(connection: Connection) -> None:
    migrate(connection, "upgrade", STATIONS)
    before = snapshot(connection)
    seed_stations(connection)
    migrate(connection, "upgrade", BIKES)
    migrate(connection, "downgrade", STATIONS)
    assert snapshot(connection) == before, (
        "after upgrading to 'create bikes' and downgrading back, the schema should be exactly as "
        f"'create stations' made it.\nexpected: {before}\nfound:    {snapshot(connection)}"
    )
    names = connection.execute(text("SELECT name FROM stations ORDER BY id")).scalars().all()
    assert names == ["Harbour", "Old Town"], f"the stations' rows must survive the downgrade, found {names}"
    assert MigrationContext.configure(connection).get_current_revision() == STATIONS


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_existing_bikes_are_in_service_after_the_upgrade(connection: Connection) -> None:
    migrate(connection, "upgrade", BIKES)
    seed_stations(connection)
    connection.execute(bikes.insert(), BIKE_ROWS)
    migrate(connection, "upgrade", IN_SERVICE)
    column_info = columns_of(connection, "bikes").get("in_service")
    assert column_info is not None, "'bikes in service' should add the column bikes.in_service"
    assert isinstance(column_info["type"], Boolean) or connection.dialect.name == "sqlite", (
        f"bikes.in_service should be a Boolean, the database has {column_info['type']}"
    )
    assert not column_info["nullable"], "bikes.in_service is required (NOT NULL)"
    flags = connection.execute(text("SELECT in_service FROM bikes ORDER BY id")).scalars().all()
    assert [bool(flag) for flag in flags] == [True] * len(BIKE_ROWS), (
        "the bikes that existed before the upgrade should be in service (a server default gives them the "
        f"value); found {flags}"
    )


@pytest.mark.task(3)
def test_new_bikes_are_in_service_unless_told_otherwise(connection: Connection) -> None:
    migrate(connection, "upgrade", IN_SERVICE)
    seed_stations(connection)
    # No in_service: the database's default applies.
    assert not refused(connection, bikes.insert(), BIKE_ROWS), (
        "an INSERT into bikes that does not give in_service was refused (NOT NULL without a default): "
        "the column needs a server default, kept after the upgrade, so that new bikes are in service"
    )
    connection.execute(bikes.insert(), BIKE_ROWS)
    connection.execute(bikes_v3.insert(), {"id": 7, "serial": "RX-7", "model": "City", "station_id": 2, "in_service": False})
    flags = {row[0]: row[1] for row in connection.execute(text("SELECT id, in_service FROM bikes"))}
    assert {key: bool(value) for key, value in flags.items()} == {1: True, 2: True, 3: True, 7: False}, (
        f"an INSERT that does not give in_service should get true from the server default; found {flags}"
    )
    assert refused(
        connection, bikes_v3.insert(), {"id": 8, "serial": "RX-8", "model": "City", "station_id": 2, "in_service": None}
    ), "in_service is NOT NULL: an explicit NULL should be refused"


@pytest.mark.task(3)
def test_bikes_in_service_indexes_the_model(connection: Connection) -> None:
    migrate(connection, "upgrade", IN_SERVICE)
    indexes = indexes_of(connection, "bikes")
    assert indexes.get("ix_bikes_model") == ["model"], (
        f"'bikes in service' should create the index ix_bikes_model on bikes(model); bikes has {indexes}"
    )


@pytest.mark.task(3)
def test_downgrading_bikes_in_service_restores_the_bikes_table_and_keeps_its_rows(connection: Connection) -> None:
    migrate(connection, "upgrade", BIKES)
    before = snapshot(connection)
    seed_stations(connection)
    connection.execute(bikes.insert(), BIKE_ROWS)
    migrate(connection, "upgrade", IN_SERVICE)
    migrate(connection, "downgrade", BIKES)
    assert snapshot(connection) == before, (
        "downgrading 'bikes in service' should undo all of it (the column and the index):\n"
        f"expected: {before}\nfound:    {snapshot(connection)}"
    )
    rows = [dict(row) for row in connection.execute(bikes.select().order_by(bikes.c.id)).mappings()]
    assert rows == BIKE_ROWS, f"the bikes must survive the downgrade: expected {BIKE_ROWS}, found {rows}"


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
def test_the_whole_chain_goes_up_down_to_base_and_up_again(connection: Connection) -> None:
    migrate(connection, "upgrade", "head")
    at_head = snapshot(connection)
    assert set(at_head) == {"stations", "bikes"}, f"at head the tables should be stations and bikes, found {sorted(at_head)}"
    migrate(connection, "downgrade", "base")
    assert snapshot(connection) == {}, f"`downgrade base` should remove everything the migrations made, left: {snapshot(connection)}"
    migrate(connection, "upgrade", "head")
    assert snapshot(connection) == at_head, (
        "upgrading again after a full downgrade should give the same schema as the first time:\n"
        f"first:  {at_head}\nsecond: {snapshot(connection)}"
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("target", [STATIONS, BIKES], ids=["to create stations", "to create bikes"])
def test_each_step_down_matches_the_schema_of_the_way_up(connection: Connection, target: str) -> None:
    migrate(connection, "upgrade", target)
    on_the_way_up = snapshot(connection)
    migrate(connection, "upgrade", "head")
    migrate(connection, "downgrade", target)
    assert snapshot(connection) == on_the_way_up, (
        f"downgrading from head to {NAMES[target]!r} should give the schema that upgrading to it gave:\n"
        f"up:   {on_the_way_up}\ndown: {snapshot(connection)}"
    )
