"""add notes.archived

Revision ID: 82b1c0ffee02
Revises: 81a0c0ffee01
Create Date: 2026-12-01 09:00:00.000000

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "82b1c0ffee02"
down_revision: str | None = "81a0c0ffee01"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add notes.archived, a NOT NULL boolean that is false for the notes already there (and for new
    notes that do not say). See README, task 1."""
    # BEGIN SOLUTION
    # A NOT NULL column added to a table with rows needs a value for them: the server default.
    op.add_column("notes", sa.Column("archived", sa.Boolean, nullable=False, server_default=sa.false()))
    # END SOLUTION


def downgrade() -> None:
    """Drop notes.archived again."""
    # BEGIN SOLUTION
    # batch mode: SQLite rebuilds the table where it cannot ALTER it; PostgreSQL runs plain ALTERs.
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("archived")
    # END SOLUTION
