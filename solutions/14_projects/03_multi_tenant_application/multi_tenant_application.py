"""Kata 14.3 (project): one application, many client companies, and no company ever sees another's data.

Given: the row-level models (TenantScoped, Project, Task), the per-schema models (SchemaBase,
Customer) and the exception.
You write: scope_to_tenant (row-level isolation in the ORM), tenant_engine, create_tenant_tables and
customers_in (a schema per tenant), enable_row_level_security and act_as_tenant (PostgreSQL).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, ForeignKey, String, event, select, text
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    relationship,
    with_loader_criteria,
)

# -- row-level tenancy: every row carries its tenant's id ---------------------------------------------


class Base(DeclarativeBase):
    pass


class TenantScoped:
    """Mixin: a row that belongs to one tenant."""

    tenant_id: Mapped[int] = mapped_column(index=True)


class Project(TenantScoped, Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    tasks: Mapped[list[Task]] = relationship(back_populates="project", order_by="Task.id")


class Task(TenantScoped, Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    title: Mapped[str] = mapped_column(String(200))
    done: Mapped[bool] = mapped_column(default=False)
    project: Mapped[Project] = relationship(back_populates="tasks")


class CrossTenantWrite(Exception):
    """A session scoped to one tenant was asked to write a row of another tenant."""


# -- tasks 1 and 2 ------------------------------------------------------------------------------------


def scope_to_tenant(session: Session, tenant_id: int) -> None:
    """From now on, this session (and no other) reads, updates and deletes only rows of tenant_id — through
    every ORM path: select, count, get, lazy and eager loads, aliases, ORM update/delete — and its
    session.info["tenant_id"] is tenant_id.

    New TenantScoped objects it flushes get tenant_id when they have none; a new or changed object with
    another tenant's id makes the flush raise CrossTenantWrite (and nothing is written).
    """
    # BEGIN SOLUTION
    session.info["tenant_id"] = tenant_id

    @event.listens_for(session, "do_orm_execute")
    def _only_this_tenant(state: ORMExecuteState) -> None:
        # Column loads (a deferred or expired attribute of an object already loaded) need no filter.
        if (state.is_select or state.is_update or state.is_delete) and not state.is_column_load:
            state.statement = state.statement.options(
                with_loader_criteria(
                    TenantScoped,
                    lambda cls: cls.tenant_id == tenant_id,
                    include_aliases=True,  # aliased(Task) is filtered too
                )
            )

    @event.listens_for(session, "before_flush")
    def _stamp_and_check(flushing: Session, _context: Any, _instances: Any) -> None:
        for obj in list(flushing.new) + list(flushing.dirty):
            if not isinstance(obj, TenantScoped):
                continue
            if obj.tenant_id is None and obj in flushing.new:
                obj.tenant_id = tenant_id
            elif obj.tenant_id != tenant_id:
                raise CrossTenantWrite(f"{obj!r} belongs to tenant {obj.tenant_id}, this session to {tenant_id}")
    # END SOLUTION


# -- task 3: a schema per tenant ----------------------------------------------------------------------


class SchemaBase(DeclarativeBase):
    """Models of the enterprise plan: the same tables in every tenant's own schema (no tenant_id)."""


class Customer(SchemaBase):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


def tenant_engine(engine: Engine, schema: str) -> Engine:
    """An Engine that sends every statement on SchemaBase's tables to `schema` (the engine itself unchanged)."""
    # BEGIN SOLUTION
    # Engine.execution_options() returns a copy sharing the pool; Connection.execution_options() would
    # change the connection in place.
    return engine.execution_options(schema_translate_map={None: schema})
    # END SOLUTION


def create_tenant_tables(engine: Engine, schema: str) -> None:
    """Create SchemaBase's tables in `schema` (which exists already), committed."""
    # BEGIN SOLUTION
    SchemaBase.metadata.create_all(tenant_engine(engine, schema))
    # END SOLUTION


def customers_in(session: Session, schema: str) -> list[Customer]:
    """The customers of the tenant whose schema is `schema`, sorted by name, then newest (highest id)
    first; read with a session that is not bound to any one tenant: customer 1 of tenant_a and
    customer 1 of tenant_b must be two different objects in that session."""
    # BEGIN SOLUTION
    return list(
        session.scalars(
            select(Customer).order_by(Customer.name, Customer.id.desc()),
            execution_options={
                "schema_translate_map": {None: schema},
                # Part of the identity key: the same primary key in two schemas is two objects.
                "identity_token": schema,
            },
        )
    )
    # END SOLUTION


# -- task 4: PostgreSQL row-level security ------------------------------------------------------------


def enable_row_level_security(connection: Connection, role: str) -> None:
    """On PostgreSQL: let `role` (an existing role, not a superuser) read and write the tasks table, and
    only the rows whose tenant_id equals the setting app.tenant_id; no rows while it is unset or ''."""
    # BEGIN SOLUTION
    # The role name is an identifier: quote it with the dialect's preparer, never paste it raw.
    quoted = connection.dialect.identifier_preparer.quote(role)
    current_tenant = "nullif(current_setting('app.tenant_id', true), '')::int"
    connection.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON tasks TO {quoted}"))
    connection.execute(text(f"GRANT SELECT ON projects TO {quoted}"))
    connection.execute(text(f"GRANT USAGE ON SEQUENCE tasks_id_seq TO {quoted}"))
    connection.execute(text("ALTER TABLE tasks ENABLE ROW LEVEL SECURITY"))
    connection.execute(text("ALTER TABLE tasks FORCE ROW LEVEL SECURITY"))
    connection.execute(
        text(
            f"CREATE POLICY tenant_isolation ON tasks "
            f"USING (tenant_id = {current_tenant}) WITH CHECK (tenant_id = {current_tenant})"
        )
    )
    # END SOLUTION


def act_as_tenant(connection: Connection, role: str, tenant_id: int) -> None:
    """On PostgreSQL: until the end of the current transaction, act as `role` for tenant `tenant_id`."""
    # BEGIN SOLUTION
    quoted = connection.dialect.identifier_preparer.quote(role)
    # LOCAL / is_local=true: both end with the transaction, so a pooled connection never keeps them.
    connection.execute(text(f"SET LOCAL ROLE {quoted}"))
    connection.execute(text("SELECT set_config('app.tenant_id', :tenant, true)"), {"tenant": str(tenant_id)})
    # END SOLUTION
