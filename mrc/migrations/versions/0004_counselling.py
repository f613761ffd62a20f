"""counselling sessions and their edit history

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-26 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import mrc.database


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('counselling_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('counsellor_id', sa.Integer(), nullable=False),
    sa.Column('held_at', mrc.database.UTCDateTime(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('topics', sa.String(length=300), nullable=False),
    sa.Column('pathways', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('follow_up_on', sa.Date(), nullable=True),
    sa.Column('follow_up_done_at', mrc.database.UTCDateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', mrc.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', mrc.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_counselling_sessions_centre_id_centres')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_counselling_sessions_client_id_clients')),
    sa.ForeignKeyConstraint(['counsellor_id'], ['users.id'], name=op.f('fk_counselling_sessions_counsellor_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_counselling_sessions_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counselling_sessions'))
    )
    with op.batch_alter_table('counselling_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_counselling_sessions_centre_follow_up', ['centre_id', 'follow_up_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_counselling_sessions_client_id'), ['client_id'], unique=False)
        batch_op.create_index('ix_counselling_sessions_counsellor_held_at', ['counsellor_id', 'held_at'], unique=False)

    op.create_table('counselling_session_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=30), nullable=False),
    sa.Column('old_value', sa.String(length=300), nullable=False),
    sa.Column('new_value', sa.String(length=300), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', mrc.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_counselling_session_changes_centre_id_centres')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_counselling_session_changes_changed_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['counselling_sessions.id'], name=op.f('fk_counselling_session_changes_session_id_counselling_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counselling_session_changes'))
    )
    with op.batch_alter_table('counselling_session_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counselling_session_changes_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counselling_session_changes_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('counselling_session_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counselling_session_changes_session_id'))
        batch_op.drop_index(batch_op.f('ix_counselling_session_changes_centre_id'))

    op.drop_table('counselling_session_changes')
    with op.batch_alter_table('counselling_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_counselling_sessions_counsellor_held_at')
        batch_op.drop_index(batch_op.f('ix_counselling_sessions_client_id'))
        batch_op.drop_index('ix_counselling_sessions_centre_follow_up')

    op.drop_table('counselling_sessions')
