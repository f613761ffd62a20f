"""group sessions with attendance and head counts

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-26 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import mrc.database


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('group_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('starts_at', mrc.database.UTCDateTime(), nullable=False),
    sa.Column('venue', sa.String(length=200), nullable=False),
    sa.Column('venue_type', sa.String(length=20), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('facilitators', sa.String(length=300), nullable=False),
    sa.Column('topics', sa.String(length=300), nullable=False),
    sa.Column('destination_country', sa.String(length=2), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', mrc.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', mrc.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_group_sessions_centre_id_centres')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_group_sessions_created_by_id_users')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_group_sessions_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_sessions'))
    )
    with op.batch_alter_table('group_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_group_sessions_centre_starts_at', ['centre_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_group_sessions_partner_id'), ['partner_id'], unique=False)

    op.create_table('group_session_attendees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('group_session_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=False),
    sa.Column('added_at', mrc.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_group_session_attendees_added_by_id_users')),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_group_session_attendees_centre_id_centres')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_group_session_attendees_client_id_clients')),
    sa.ForeignKeyConstraint(['group_session_id'], ['group_sessions.id'], name=op.f('fk_group_session_attendees_group_session_id_group_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_session_attendees')),
    sa.UniqueConstraint('group_session_id', 'client_id', name=op.f('uq_group_session_attendees_group_session_id'))
    )
    with op.batch_alter_table('group_session_attendees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_session_attendees_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_group_session_attendees_client_id'), ['client_id'], unique=False)

    op.create_table('group_session_head_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('group_session_id', sa.Integer(), nullable=False),
    sa.Column('sex', sa.String(length=12), nullable=False),
    sa.Column('age_group', sa.String(length=10), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_group_session_head_counts_centre_id_centres')),
    sa.ForeignKeyConstraint(['group_session_id'], ['group_sessions.id'], name=op.f('fk_group_session_head_counts_group_session_id_group_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_session_head_counts')),
    sa.UniqueConstraint('group_session_id', 'sex', 'age_group', name=op.f('uq_group_session_head_counts_group_session_id'))
    )
    with op.batch_alter_table('group_session_head_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_session_head_counts_centre_id'), ['centre_id'], unique=False)


def downgrade():
    with op.batch_alter_table('group_session_head_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_session_head_counts_centre_id'))

    op.drop_table('group_session_head_counts')
    with op.batch_alter_table('group_session_attendees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_session_attendees_client_id'))
        batch_op.drop_index(batch_op.f('ix_group_session_attendees_centre_id'))

    op.drop_table('group_session_attendees')
    with op.batch_alter_table('group_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_sessions_partner_id'))
        batch_op.drop_index('ix_group_sessions_centre_starts_at')

    op.drop_table('group_sessions')
