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
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def downgrade() -> None:
    """Undo upgrade()."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
