"""customer notices and the public status page: tasks, components, public incidents, posts, subscribers

Revision ID: 0011_statuspage
Revises: 0010_comms
Create Date: 2026-12-01 23:50:00
"""
from alembic import op
import sqlalchemy as sa
import codeblue.db


revision = '0011_statuspage'
down_revision = '0010_comms'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customer_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('severity', sa.String(length=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('owed_since', codeblue.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('due_at', codeblue.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', codeblue.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=254), nullable=True),
    sa.Column('waive_reason', sa.Text(), nullable=True),
    sa.Column('created_at', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_customer_notices_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_notices')),
    sa.UniqueConstraint('incident_id', name=op.f('uq_customer_notices_incident_id'))
    )
    op.create_table('status_components',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('public_name', sa.String(length=200), nullable=False),
    sa.Column('shown', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_status_components_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_components')),
    sa.UniqueConstraint('service_id', name=op.f('uq_status_components_service_id'))
    )
    op.create_table('status_incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('impact', sa.String(length=16), nullable=False),
    sa.Column('opened_at', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', codeblue.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_status_incidents_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_status_incidents_service_id_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_incidents')),
    sa.UniqueConstraint('incident_id', name=op.f('uq_status_incidents_incident_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_status_incidents_public_id'))
    )
    op.create_table('status_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status_incident_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('impact', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('posted_at', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('posted_by', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['status_incident_id'], ['status_incidents.id'], name=op.f('fk_status_posts_status_incident_id_status_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_posts'))
    )
    op.create_index('ix_status_posts_posted_at', 'status_posts', ['posted_at'], unique=False)
    op.create_table('status_subscribers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('confirm_hash', sa.String(length=64), nullable=True),
    sa.Column('confirm_sent_at', codeblue.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', codeblue.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_subscribers')),
    sa.UniqueConstraint('confirm_hash', name=op.f('uq_status_subscribers_confirm_hash')),
    sa.UniqueConstraint('email', name=op.f('uq_status_subscribers_email'))
    )


def downgrade() -> None:
    op.drop_table('status_subscribers')
    op.drop_index('ix_status_posts_posted_at', table_name='status_posts')
    op.drop_table('status_posts')
    op.drop_table('status_incidents')
    op.drop_table('status_components')
    op.drop_table('customer_notices')
