"""outbox leases: who is sending a message, and until when the claim holds

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import codeblue.db

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns: a plain ADD COLUMN on both SQLite and PostgreSQL, no table rebuild.
    op.add_column('notifications', sa.Column('lease_owner', sa.String(length=120), nullable=True))
    op.add_column('notifications', sa.Column('lease_until', codeblue.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
        batch_op.drop_column('lease_owner')
