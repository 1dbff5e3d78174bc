"""create books

Revision ID: 3f9a1c2b7d10
Revises:
Create Date: 2026-05-04 10:21:07.418220

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "3f9a1c2b7d10"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "books",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("isbn", sa.String(20), nullable=False),
        sa.Column("summary", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_books")),
    )


def downgrade() -> None:
    op.drop_table("books")
