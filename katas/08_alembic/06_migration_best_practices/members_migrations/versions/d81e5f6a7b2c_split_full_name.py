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

# TODO: the table as it is at this revision, for the data: members = sa.table("members", sa.column(...), ...)


def upgrade() -> None:
    """Replace members.full_name (VARCHAR(200) NOT NULL) by first_name and last_name (both
    VARCHAR(100) NOT NULL): first_name is the part of the full name before its first space,
    last_name the rest ("" when there is no space)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def downgrade() -> None:
    """Bring back full_name from first_name and last_name (joined by one space, or the first
    name alone when last_name is ""), then drop first_name and last_name. Every member keeps
    their name: upgrade then downgrade gives back exactly the full names there were."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
