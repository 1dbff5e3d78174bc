"""split full name

Revision ID: d81e5f6a7b2c
Revises: b70c1e2d3f4a
Create Date: 2026-09-10 10:00:00.000000

A data migration: members.full_name becomes first_name and last_name, and every member keeps
their name. It describes the table as it is at THIS revision with sa.table(), never with the
app's models: they describe the newest schema, not this one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "d81e5f6a7b2c"
down_revision: str | None = "b70c1e2d3f4a"
branch_labels: str | None = None
depends_on: str | None = None

# BEGIN SOLUTION
# A lightweight description of the table, frozen at this revision: just what this migration touches.
members = sa.table(
    "members",
    sa.column("id", sa.Integer),
    sa.column("full_name", sa.String),
    sa.column("first_name", sa.String),
    sa.column("last_name", sa.String),
)
# END SOLUTION
# BEGIN STUB
# # TODO: the table as it is at this revision, for the data: members = sa.table("members", sa.column(...), ...)
# END STUB


def upgrade() -> None:
    """Replace members.full_name (VARCHAR(200) NOT NULL) by first_name and last_name (both
    VARCHAR(100) NOT NULL): first_name is the part of the full name before its first space,
    last_name the rest ("" when there is no space)."""
    # BEGIN SOLUTION
    # 1. The new columns, nullable for now: the existing rows have no value yet.
    op.add_column("members", sa.Column("first_name", sa.String(100), nullable=True))
    op.add_column("members", sa.Column("last_name", sa.String(100), nullable=True))
    # 2. The data: read with the migration's own connection, split in Python, write back with
    #    bound parameters (a name like O'Brien must not break the SQL).
    bind = op.get_bind()
    rows = bind.execute(sa.select(members.c.id, members.c.full_name)).all()
    split = []
    for member_id, full_name in rows:
        first, _, last = full_name.partition(" ")
        split.append({"member_id": member_id, "first": first, "last": last})
    if split:
        bind.execute(
            members.update()
            .where(members.c.id == sa.bindparam("member_id"))
            .values(first_name=sa.bindparam("first"), last_name=sa.bindparam("last")),
            split,
        )
    # 3. Now every row has a value: NOT NULL, and the old column goes. SQLite cannot ALTER a
    #    column's nullability: batch mode rebuilds the table there, and alters in place elsewhere.
    with op.batch_alter_table("members") as batch_op:
        batch_op.alter_column("first_name", existing_type=sa.String(100), nullable=False)
        batch_op.alter_column("last_name", existing_type=sa.String(100), nullable=False)
        batch_op.drop_column("full_name")
    # END SOLUTION


def downgrade() -> None:
    """Bring back full_name from first_name and last_name (joined by one space, or the first
    name alone when last_name is ""), then drop first_name and last_name. Every member keeps
    their name: upgrade then downgrade gives back exactly the full names there were."""
    # BEGIN SOLUTION
    op.add_column("members", sa.Column("full_name", sa.String(200), nullable=True))
    # One UPDATE computed by the database: no rows travel to Python and back.
    op.execute(
        members.update().values(
            full_name=sa.case(
                (members.c.last_name == "", members.c.first_name),
                else_=members.c.first_name + " " + members.c.last_name,
            )
        )
    )
    with op.batch_alter_table("members") as batch_op:
        batch_op.alter_column("full_name", existing_type=sa.String(200), nullable=False)
        batch_op.drop_column("first_name")
        batch_op.drop_column("last_name")
    # END SOLUTION
