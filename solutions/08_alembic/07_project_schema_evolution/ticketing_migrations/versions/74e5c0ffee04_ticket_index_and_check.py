"""ticket index and check

Revision ID: 74e5c0ffee04
Revises: 73d4c0ffee03
Create Date: 2026-10-05 09:00:00.000000

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "74e5c0ffee04"
down_revision: str | None = "73d4c0ffee03"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the index ix_tickets_event_id and the CHECK constraint ck_tickets_non_negative_price
    (price_cents >= 0). See README, task 4."""
    # BEGIN SOLUTION
    op.create_index("ix_tickets_event_id", "tickets", ["event_id"])
    # SQLite cannot add a constraint to an existing table: batch mode rebuilds it there.
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.create_check_constraint("ck_tickets_non_negative_price", "price_cents >= 0")
    # END SOLUTION


def downgrade() -> None:
    """Undo upgrade()."""
    # BEGIN SOLUTION
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.drop_constraint("ck_tickets_non_negative_price", type_="check")
    op.drop_index("ix_tickets_event_id", table_name="tickets")
    # END SOLUTION
