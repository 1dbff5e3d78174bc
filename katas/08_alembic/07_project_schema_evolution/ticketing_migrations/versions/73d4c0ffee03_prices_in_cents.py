"""prices in cents

Revision ID: 73d4c0ffee03
Revises: 72c3c0ffee02
Create Date: 2026-10-04 09:00:00.000000

"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "73d4c0ffee03"
down_revision: str | None = "72c3c0ffee02"
branch_labels: str | None = None
depends_on: str | None = None

# TODO: describe the table as it is at this revision (sa.table / sa.column)


def upgrade() -> None:
    """Replace tickets.price (text such as "12.50") by price_cents (INTEGER NOT NULL, 1250).
    See README, task 3."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def downgrade() -> None:
    """Bring back tickets.price (VARCHAR(20) NOT NULL) as text with two decimals ("12.50")."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
