"""reviews, follow-ups, breach cases and notices, the audit log

The audit log is append-only in the database too: triggers refuse UPDATE and DELETE of its entries
(codeblue audit verify still catches whoever drops them). Its head row starts the chain.

Revision ID: 0005_reviews_compliance
Revises: 0005_edges_throttle
Create Date: 2026-12-01 20:31:44.449227
"""
from alembic import op
import sqlalchemy as sa
import codeblue.db
from sqlalchemy.dialects import postgresql

revision = '0005_reviews_compliance'
down_revision = '0005_edges_throttle'
branch_labels = None
depends_on = None


APPEND_ONLY = "audit entries are append-only"


def _append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$""")
        op.execute("""CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
            FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()""")
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(f"""CREATE TRIGGER audit_entries_no_{event.lower()} BEFORE {event} ON audit_entries
            BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""")


def upgrade() -> None:
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('at', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject_type', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('before_json', sa.Text(), nullable=True),
    sa.Column('after_json', sa.Text(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries')),
    sa.UniqueConstraint('seq', name=op.f('uq_audit_entries_seq'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_subject', ['subject_type', 'subject_id'], unique=False)

    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')")
    _append_only()
    op.create_table('breach_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opened_reason', sa.Text(), nullable=False),
    sa.Column('actual_knowledge_on', sa.Date(), nullable=True),
    sa.Column('reasonable_diligence_on', sa.Date(), nullable=True),
    sa.Column('discovered_by', sa.String(length=254), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=True),
    sa.Column('breach_type', sa.String(length=100), nullable=False),
    sa.Column('phi_location', sa.String(length=100), nullable=False),
    sa.Column('entity_role', sa.String(length=24), nullable=False),
    sa.Column('ba_relationship', sa.String(length=16), nullable=True),
    sa.Column('ba_discovered_on', sa.Date(), nullable=True),
    sa.Column('ba_notified_ce_on', sa.Date(), nullable=True),
    sa.Column('licensed_facility', sa.Boolean(), nullable=False),
    sa.Column('exception', sa.String(length=8), nullable=True),
    sa.Column('exception_notes', sa.Text(), nullable=False),
    sa.Column('encrypted', sa.Boolean(), nullable=False),
    sa.Column('encryption_standard', sa.String(length=200), nullable=False),
    sa.Column('key_compromised', sa.Boolean(), nullable=False),
    sa.Column('destroyed', sa.Boolean(), nullable=False),
    sa.Column('destruction_method', sa.String(length=200), nullable=False),
    sa.Column('factor_nature', sa.Text(), nullable=False),
    sa.Column('factor_recipient', sa.Text(), nullable=False),
    sa.Column('factor_acquired', sa.Text(), nullable=False),
    sa.Column('factor_mitigation', sa.Text(), nullable=False),
    sa.Column('individuals_total', sa.Integer(), nullable=True),
    sa.Column('individuals_per_state', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('deceased', sa.Integer(), nullable=False),
    sa.Column('insufficient_contact', sa.Integer(), nullable=False),
    sa.Column('le_oral_on', sa.Date(), nullable=True),
    sa.Column('le_official', sa.String(length=254), nullable=False),
    sa.Column('le_written_on', sa.Date(), nullable=True),
    sa.Column('le_written_until', sa.Date(), nullable=True),
    sa.Column('counsel_decision', sa.Text(), nullable=False),
    sa.Column('decision', sa.String(length=24), nullable=True),
    sa.Column('decision_rationale', sa.Text(), nullable=False),
    sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.String(length=254), nullable=False),
    sa.Column('decided_at', codeblue.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['users.id'], name=op.f('fk_breach_cases_decided_by_user_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_breach_cases_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_breach_cases')),
    sa.UniqueConstraint('incident_id', name=op.f('uq_breach_cases_incident_id'))
    )
    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('due_at', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('impact', sa.Text(), nullable=False),
    sa.Column('timeline', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('actions_taken', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('root_cause', sa.Text(), nullable=False),
    sa.Column('analysis', sa.Text(), nullable=False),
    sa.Column('contributing_factors', sa.Text(), nullable=False),
    sa.Column('lessons_learned', sa.Text(), nullable=False),
    sa.Column('prevention', sa.Text(), nullable=False),
    sa.Column('compliance_impact', sa.Text(), nullable=False),
    sa.Column('completed_at', codeblue.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_by', sa.String(length=254), nullable=True),
    sa.Column('created_at', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_reviews_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews')),
    sa.UniqueConstraint('incident_id', name=op.f('uq_reviews_incident_id'))
    )
    op.create_table('breach_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('recipient', sa.String(length=300), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('base_due_on', sa.Date(), nullable=True),
    sa.Column('citation', sa.String(length=300), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('auto_closed', sa.Boolean(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=True),
    sa.Column('method', sa.String(length=200), nullable=False),
    sa.Column('sent_by', sa.String(length=254), nullable=False),
    sa.Column('reminder_days', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('escalated_at', codeblue.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['breach_cases.id'], name=op.f('fk_breach_notices_case_id_breach_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_breach_notices')),
    sa.UniqueConstraint('case_id', 'key', name=op.f('uq_breach_notices_case_id_key'))
    )
    with op.batch_alter_table('breach_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_breach_notices_case_id'), ['case_id'], unique=False)

    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('priority', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.Column('created_at', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', codeblue.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_follow_ups_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_follow_ups_owner_id_users')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_follow_ups_review_id_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_ups_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_review_id'), ['review_id'], unique=False)
        batch_op.create_index('ix_follow_ups_status_due_on', ['status', 'due_on'], unique=False)

    op.create_table('breach_notice_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('reference', sa.String(length=1000), nullable=False),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('added_by', sa.String(length=254), nullable=False),
    sa.Column('created_at', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['breach_notices.id'], name=op.f('fk_breach_notice_evidence_notice_id_breach_notices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_breach_notice_evidence'))
    )
    with op.batch_alter_table('breach_notice_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_breach_notice_evidence_notice_id'), ['notice_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('breach_notice_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_breach_notice_evidence_notice_id'))

    op.drop_table('breach_notice_evidence')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_ups_status_due_on')
        batch_op.drop_index(batch_op.f('ix_follow_ups_review_id'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_owner_id'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_incident_id'))

    op.drop_table('follow_ups')
    with op.batch_alter_table('breach_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_breach_notices_case_id'))

    op.drop_table('breach_notices')
    op.drop_table('reviews')
    op.drop_table('breach_cases')
    op.drop_table('audit_head')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries")
        op.execute("DROP FUNCTION IF EXISTS audit_entries_append_only()")
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_subject')

    op.drop_table('audit_entries')
