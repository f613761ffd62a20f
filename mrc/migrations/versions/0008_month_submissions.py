"""month submissions: a centre's closed month with the figures it reported

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-25 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import mrc.database


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('month_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('submitted_at', mrc.database.UTCDateTime(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=False),
    sa.Column('figures', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_month_submissions_centre_id_centres')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_month_submissions_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_month_submissions')),
    sa.UniqueConstraint('centre_id', 'month', name=op.f('uq_month_submissions_centre_id'))
    )


def downgrade():
    op.drop_table('month_submissions')
