"""information sheets, their versions and prints; a centre's opening hours

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-25 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import mrc.database


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('info_sheets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sources', sa.Text(), nullable=False),
    sa.Column('created_at', mrc.database.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_info_sheets')),
    sa.UniqueConstraint('topic', name=op.f('uq_info_sheets_topic'))
    )
    op.create_table('sheet_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('review_date', sa.Date(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', mrc.database.UTCDateTime(), nullable=True),
    sa.Column('created_at', mrc.database.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sheet_versions_created_by_id_users')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_sheet_versions_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['sheet_id'], ['info_sheets.id'], name=op.f('fk_sheet_versions_sheet_id_info_sheets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sheet_versions')),
    sa.UniqueConstraint('sheet_id', 'language', 'number', name=op.f('uq_sheet_versions_sheet_id'))
    )
    with op.batch_alter_table('sheet_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sheet_versions_sheet_id'), ['sheet_id'], unique=False)

    op.create_table('sheet_prints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('sheet_version_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('group_session_id', sa.Integer(), nullable=True),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('printed_by_id', sa.Integer(), nullable=False),
    sa.Column('printed_at', mrc.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_sheet_prints_centre_id_centres')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_sheet_prints_client_id_clients')),
    sa.ForeignKeyConstraint(['group_session_id'], ['group_sessions.id'], name=op.f('fk_sheet_prints_group_session_id_group_sessions')),
    sa.ForeignKeyConstraint(['printed_by_id'], ['users.id'], name=op.f('fk_sheet_prints_printed_by_id_users')),
    sa.ForeignKeyConstraint(['sheet_version_id'], ['sheet_versions.id'], name=op.f('fk_sheet_prints_sheet_version_id_sheet_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sheet_prints'))
    )
    with op.batch_alter_table('sheet_prints', schema=None) as batch_op:
        batch_op.create_index('ix_sheet_prints_centre_printed_at', ['centre_id', 'printed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sheet_prints_client_id'), ['client_id'], unique=False)

    with op.batch_alter_table('centres', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_from_day', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('open_to_day', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('opens_at', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('closes_at', sa.Time(), nullable=True))


def downgrade():
    with op.batch_alter_table('centres', schema=None) as batch_op:
        batch_op.drop_column('closes_at')
        batch_op.drop_column('opens_at')
        batch_op.drop_column('open_to_day')
        batch_op.drop_column('open_from_day')

    with op.batch_alter_table('sheet_prints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sheet_prints_client_id'))
        batch_op.drop_index('ix_sheet_prints_centre_printed_at')

    op.drop_table('sheet_prints')
    with op.batch_alter_table('sheet_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sheet_versions_sheet_id'))

    op.drop_table('sheet_versions')
    op.drop_table('info_sheets')
