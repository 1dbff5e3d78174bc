"""index book titles

Revision ID: a91f6c0e4d77
Revises: 5e0d3b7a8c21
Create Date: 2026-03-20 11:05:37.004519

"""

from __future__ import annotations

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "a91f6c0e4d77"
down_revision: str | None = "5e0d3b7a8c21"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_books_title", "books", ["title"])


def downgrade() -> None:
    op.drop_index("ix_books_title", table_name="books")
