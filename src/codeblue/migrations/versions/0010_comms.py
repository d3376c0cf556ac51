"""communications: numbered status updates and incident chat channels

Revision ID: 0010_comms
Revises: 0009_runbooks
Create Date: 2026-12-01 23:50:00
"""
from alembic import op
import sqlalchemy as sa
import codeblue.db


revision = '0010_comms'
down_revision = '0009_runbooks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('status_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=200), nullable=False),
    sa.Column('actions', sa.Text(), nullable=False),
    sa.Column('next_steps', sa.Text(), nullable=False),
    sa.Column('eta', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('posted_by', sa.String(length=254), nullable=False),
    sa.Column('posted_by_user_id', sa.Integer(), nullable=True),
    sa.Column('posted_at', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_status_updates_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['posted_by_user_id'], ['users.id'], name=op.f('fk_status_updates_posted_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_updates')),
    sa.UniqueConstraint('incident_id', 'number', name=op.f('uq_status_updates_incident_id_number'))
    )
    with op.batch_alter_table('status_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_updates_incident_id'), ['incident_id'], unique=False)
    op.create_table('incident_chat_channels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('channel_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_chat_channels_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_chat_channels')),
    sa.UniqueConstraint('incident_id', name=op.f('uq_incident_chat_channels_incident_id'))
    )


def downgrade() -> None:
    op.drop_table('incident_chat_channels')
    with op.batch_alter_table('status_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_updates_incident_id'))
    op.drop_table('status_updates')
