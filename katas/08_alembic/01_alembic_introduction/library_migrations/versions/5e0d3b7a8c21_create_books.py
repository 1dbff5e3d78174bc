"""create books

Revision ID: 5e0d3b7a8c21
Revises: c47e1a9b2f10
Create Date: 2026-03-09 16:40:02.551873

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "5e0d3b7a8c21"
down_revision: str | None = "c47e1a9b2f10"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "books",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("authors.id"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("books")
