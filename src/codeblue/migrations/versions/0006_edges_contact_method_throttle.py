"""contact methods: a per-method throttle

Revision ID: 0005_edges_throttle
Revises: 0005
Create Date: 2026-11-23 10:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0005_edges_throttle'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable, and null for every existing method: they keep following CODEBLUE_NOTIFY_THROTTLE_PER_MINUTE.
    op.add_column('contact_methods', sa.Column('throttle_per_minute', sa.Integer(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+) rather than a batch copy: recreating contact_methods would
    # cascade-delete the notification rules that reference it.
    op.drop_column('contact_methods', 'throttle_per_minute')
