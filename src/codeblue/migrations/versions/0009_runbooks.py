"""runbooks: checklist items and evidence

Revision ID: 0009_runbooks
Revises: 0006_web_sessions
Create Date: 2026-12-01 23:38:25
"""
from alembic import op
import sqlalchemy as sa
import codeblue.db
from sqlalchemy.dialects import postgresql

revision = '0009_runbooks'
down_revision = '0006_web_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('checklist_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('checklist_id', sa.String(length=64), nullable=False),
    sa.Column('checklist_name', sa.String(length=200), nullable=False),
    sa.Column('phase', sa.String(length=32), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('auto', sa.String(length=32), nullable=True),
    sa.Column('required_to_resolve', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('attached_for', sa.String(length=64), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('done_at', codeblue.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=254), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('attached_at', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_checklist_items_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_items')),
    sa.UniqueConstraint('incident_id', 'checklist_id', 'item_id', name=op.f('uq_checklist_items_incident_id_checklist_id_item_id'))
    )
    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_items_incident_id'), ['incident_id'], unique=False)

    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('content_type', sa.String(length=200), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retain_until', codeblue.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_evidence_created_by_user_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_evidence_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence')),
    sa.UniqueConstraint('incident_id', 'sha256', name=op.f('uq_evidence_incident_id_sha256'))
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_incident_id'), ['incident_id'], unique=False)
    _evidence_guard(op.get_bind().dialect.name)


# Evidence is never altered, and never deleted while its retention runs: the database refuses it too,
# whatever code or person tries.
_SQLITE = (
    "CREATE TRIGGER evidence_no_update BEFORE UPDATE ON evidence "
    "BEGIN SELECT RAISE(ABORT, 'evidence is immutable: it may not be altered'); END",
    "CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence "
    "WHEN julianday(OLD.retain_until) > julianday('now') "
    "BEGIN SELECT RAISE(ABORT, 'evidence is under retention: it may not be deleted yet'); END",
)
_POSTGRESQL = (
    """CREATE FUNCTION evidence_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            RAISE EXCEPTION 'evidence is immutable: it may not be altered';
        END IF;
        IF OLD.retain_until > now() THEN
            RAISE EXCEPTION 'evidence is under retention: it may not be deleted yet';
        END IF;
        RETURN OLD;
    END $$""",
    "CREATE TRIGGER evidence_guard BEFORE UPDATE OR DELETE ON evidence FOR EACH ROW EXECUTE FUNCTION evidence_guard()",
)


def _evidence_guard(dialect: str) -> None:
    for statement in _POSTGRESQL if dialect == "postgresql" else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS evidence_guard ON evidence")
        op.execute("DROP FUNCTION IF EXISTS evidence_guard()")
    else:
        op.execute("DROP TRIGGER IF EXISTS evidence_no_update")
        op.execute("DROP TRIGGER IF EXISTS evidence_no_delete")
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_incident_id'))

    op.drop_table('evidence')
    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklist_items_incident_id'))

    op.drop_table('checklist_items')
