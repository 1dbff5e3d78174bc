"""Kata 11.6: integration tests over a database migrated by Alembic, with realistic data.

Given: the clinic's models (below) and its Alembic environment `clinic_migrations/` (in the
kata's folder). The database the migrations build keeps rules the models do not repeat (CHECK
constraints): data that the models accept may still be refused there. You write the pieces an
integration test suite needs: migrating the test's connection, checking that the models match
the migrated schema, and factories that make realistic, valid, reproducible data.
"""

# factory_boy is only partly typed: its declarations are untyped calls, not re-exported by name.
# mypy: disable-error-code="no-untyped-call, attr-defined, untyped-decorator"

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import factory
import factory.fuzzy
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import Connection, ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Patient(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(200), unique=True)
    born_on: Mapped[dt.date]
    phone: Mapped[str | None] = mapped_column(String(30))
    appointments: Mapped[list[Appointment]] = relationship(back_populates="patient")


class Appointment(Base):
    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    starts_at: Mapped[dt.datetime]
    minutes: Mapped[int]
    patient: Mapped[Patient] = relationship(back_populates="appointments")


def migrate(connection: Connection, location: Path, revision: str = "head") -> None:
    """Task 1. Upgrade the database of `connection` to `revision` with the Alembic environment at
    `location`, ON that connection (inside the test's transaction, so the schema is rolled back
    with it): Alembic's command API, the connection handed over in the Config's attributes."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def schema_differences(connection: Connection) -> list[Any]:
    """Task 2. What differs between the database of `connection` and the models' metadata, as
    Alembic's autogenerate sees it (an empty list when they match); the alembic_version table is
    not a difference."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


_bound: list[Session] = []


def bind_factories(session: Session) -> None:
    """Make the factories create in `session` (given)."""
    _bound[:] = [session]


def _session() -> Session:
    return _bound[-1]


def _email(patient: Any, n: int) -> str:
    """An address made from the name: lower case, unique through the sequence number."""
    local = re.sub(r"[^a-z]+", ".", patient.full_name.lower()).strip(".")
    return f"{local}.{n}@example.org"


class PatientFactory(SQLAlchemyModelFactory):
    """Task 3. A realistic patient: a Faker name, an email made from that name (lower case, and
    unique however many patients a test makes), a birth date between 0 and 100 years ago (Faker's
    date_of_birth), a Faker phone number."""

    # TODO: Meta and the four fields


class AppointmentFactory(SQLAlchemyModelFactory):
    """Task 4. An appointment of a new patient (SubFactory) on a weekday of 2026 at a whole or half
    hour from 08:00 to 17:30, lasting 15, 30, 45 or 60 minutes."""

    # TODO: Meta, patient, minutes and starts_at
