"""Tests for kata 11.6, integration tests. Run: pytest katas/11_testing/06_integration_tests"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import factory.random
import pytest
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fixtures.target import learner_module

integration = learner_module(__file__, "integration_tests")

MIGRATIONS = Path(__file__).parent / "clinic_migrations"  # given: the clinic's Alembic environment
PATIENTS, APPOINTMENTS, PHONE = "c11e6a000001", "c11e6a000002", "c11e6a000003"
HEAD = PHONE


def revision_of(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def columns(connection: Connection, table: str) -> list[str]:
    return sorted(c["name"] for c in inspect(connection).get_columns(table))


def migrated(session: Session) -> Any:
    """The session's database migrated to head (by the learner's migrate()), the factories bound to it."""
    integration.migrate(session.connection(), MIGRATIONS)
    integration.bind_factories(session)
    return integration


def made(what: str, make: Callable[[], Any]) -> Any:
    try:
        return make()
    except IntegrityError as error:
        pytest.fail(
            f"{what}: the migrated database refused the data: {error.orig}. The migrations keep rules the models "
            "do not repeat (CHECK constraints on the email's case, the birth date, the minutes): realistic data "
            "must satisfy the real schema, which is why integration tests run on a migrated database.",
            pytrace=False,
        )


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_migrate_builds_the_schema_inside_the_test_transaction(connection: Connection) -> None:
    before = connection.get_transaction()
    integration.migrate(connection, MIGRATIONS)
    assert revision_of(connection) == HEAD, (
        f"after migrate(), the database should be at head ({HEAD}), it is at {revision_of(connection)}"
    )
    tables = set(inspect(connection).get_table_names())
    assert {"patients", "appointments"} <= tables, (
        f"the migrated database should have patients and appointments: {sorted(tables)}"
    )
    assert "phone" in columns(connection, "patients"), "head includes the revision that adds patients.phone"
    assert connection.get_transaction() is before and before is not None and before.is_active, (
        "migrate() should run on the connection it is given, inside its transaction (config.attributes['connection']): "
        "it ended that transaction"
    )
    with connection.engine.connect() as other:
        seen = inspect(other).get_table_names()
    assert "patients" not in seen, (
        "another connection already sees the migrated tables: the migration was committed on a connection of its "
        "own. Hand the test's connection to env.py (config.attributes['connection']) so it rolls back with the test."
    )


@pytest.mark.task(1)
def test_migrate_stops_at_the_revision_asked_for(connection: Connection) -> None:
    integration.migrate(connection, MIGRATIONS, APPOINTMENTS)
    assert revision_of(connection) == APPOINTMENTS, (
        f"migrate(connection, location, {APPOINTMENTS!r}) should stop there, the database is at {revision_of(connection)}"
    )
    assert "phone" not in columns(connection, "patients"), "the phone column comes one revision later"
    integration.migrate(connection, MIGRATIONS)
    assert revision_of(connection) == HEAD and "phone" in columns(connection, "patients"), (
        "a second migrate() to head should go on from there"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_the_models_match_the_migrated_schema(connection: Connection) -> None:
    integration.migrate(connection, MIGRATIONS)
    differences = integration.schema_differences(connection)
    assert list(differences) == [], (
        f"at head the models and the database match; schema_differences() found {differences}"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("revision", "expected"),
    [(None, ["appointments", "patients"]), (PATIENTS, ["appointments", "phone"]), (APPOINTMENTS, ["phone"])],
    ids=["empty", "patients-only", "no-phone"],
)
def test_what_the_database_lacks_is_a_difference(
    connection: Connection, revision: str | None, expected: list[str]
) -> None:
    if revision is not None:
        integration.migrate(connection, MIGRATIONS, revision)
    differences = integration.schema_differences(connection)
    described = str(differences)
    missing = [name for name in expected if name not in described]
    assert differences and not missing, (
        f"with the database at {revision or 'no revision'}, the models have {expected} that the database lacks: "
        f"schema_differences() should list them (alembic.autogenerate.compare_metadata), it returned {differences}"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_patients_are_realistic_and_valid_in_the_migrated_database(session: Session) -> None:
    kata = migrated(session)
    patients = made("PatientFactory.create_batch(150)", lambda: kata.PatientFactory.create_batch(150))
    stored = session.execute(select(func.count()).select_from(kata.Patient)).scalar_one()
    assert stored == 150, f"150 patients should be flushed into the session's database, found {stored}"
    names = [p.full_name for p in patients]
    assert all(isinstance(n, str) and len(n.split()) >= 2 for n in names), (
        f"names should look like names (Faker): {names[:3]}"
    )
    assert len({n.split()[0] for n in names}) >= 20, (
        f"150 patients should not share a handful of first names: {names[:6]}"
    )
    emails = [p.email for p in patients]
    assert len(set(emails)) == 150 and all("@" in e and e == e.lower() for e in emails), (
        f"emails should be unique, lower case addresses: {emails[:3]}"
    )
    today = dt.date.today()
    ages = [(today - p.born_on).days / 365.25 for p in patients]
    assert all(0 <= age <= 101 for age in ages), "birth dates should be 0 to 100 years ago"
    assert max(ages) - min(ages) > 30, "150 patients should have a spread of ages, not one birthday"
    assert all(p.phone and len(p.phone) <= 30 for p in patients), (
        "each patient should have a phone number (30 characters at most)"
    )


@pytest.mark.task(3)
def test_the_same_seed_gives_the_same_patients(session: Session) -> None:
    kata = migrated(session)

    def sample() -> list[tuple[Any, ...]]:
        return [(p.full_name, p.born_on, p.phone) for p in kata.PatientFactory.build_batch(5)]

    factory.random.reseed_random(2026)
    first = sample()
    factory.random.reseed_random(2026)
    again = sample()
    factory.random.reseed_random(7)
    other = sample()
    assert first == again, (
        "after factory.random.reseed_random(2026) the same patients (name, birth date, phone) should come out again: "
        "draw every random value from Faker or factory_boy's generator"
    )
    assert first != other, "another seed should give other patients"


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
def test_appointments_are_valid_in_the_migrated_database(session: Session) -> None:
    kata = migrated(session)
    appointments = made(
        "AppointmentFactory.create_batch(100)", lambda: kata.AppointmentFactory.create_batch(100)
    )
    patients = session.execute(select(func.count()).select_from(kata.Patient)).scalar_one()
    assert patients == 100, (
        f"each appointment should come with a new patient (SubFactory): {patients} patients"
    )
    for appointment in appointments:
        start = appointment.starts_at
        assert start.year == 2026 and start.weekday() < 5, (
            f"appointments are on weekdays of 2026, not {start:%A %Y-%m-%d}"
        )
        assert (
            dt.time(8, 0) <= start.time() <= dt.time(17, 30) and start.minute in (0, 30) and start.second == 0
        ), f"appointments start on a whole or half hour from 08:00 to 17:30, not {start:%H:%M:%S}"
        assert appointment.minutes in (15, 30, 45, 60), (
            f"an appointment lasts 15, 30, 45 or 60 minutes, not {appointment.minutes}"
        )


@pytest.mark.task(4)
def test_appointments_vary_and_repeat_with_the_seed(session: Session) -> None:
    kata = migrated(session)
    factory.random.reseed_random(11)
    first = [(a.starts_at, a.minutes) for a in kata.AppointmentFactory.build_batch(60)]
    factory.random.reseed_random(11)
    again = [(a.starts_at, a.minutes) for a in kata.AppointmentFactory.build_batch(60)]
    assert first == again, (
        "after factory.random.reseed_random(11) the same appointments should come out again: draw the start time "
        "from factory_boy's generator (factory.random.randgen) or Faker, not from the `random` module"
    )
    assert len({start.date() for start, _ in first}) >= 20, "60 appointments should spread over many days"
    assert {start.minute for start, _ in first} == {0, 30}, "both whole and half hours should occur"
    assert len({minutes for _, minutes in first}) >= 3, "durations should vary"
