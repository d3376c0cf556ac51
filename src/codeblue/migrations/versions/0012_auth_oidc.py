"""audit log read by actor and time: indexes for the audit API's filters and export

Single sign-on (OpenID Connect) keeps no state in the database: an account is matched by its email.

Revision ID: 0012_auth_oidc
Revises: 0011_statuspage
Create Date: 2026-12-02 00:15:00
"""
from alembic import op


revision = '0012_auth_oidc'
down_revision = '0011_statuspage'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_actor'), ['actor'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_actor'))
