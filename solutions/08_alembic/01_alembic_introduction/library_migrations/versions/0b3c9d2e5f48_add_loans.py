"""add loans

Revision ID: 0b3c9d2e5f48
Revises: a91f6c0e4d77
Create Date: 2026-04-02 08:51:19.733202

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0b3c9d2e5f48"
down_revision: str | None = "a91f6c0e4d77"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "loans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("book_id", sa.Integer, sa.ForeignKey("books.id"), nullable=False),
        sa.Column("member", sa.String(200), nullable=False),
        sa.Column("due", sa.Date, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("loans")
