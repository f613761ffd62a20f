"""statistics indexes: a centre's rows of a month found by (centre, time)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 16:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

INDEXES = [
    ('ix_clients_centre_created_at', 'clients', ['centre_id', 'created_at']),
    ('ix_counselling_sessions_centre_held_at', 'counselling_sessions', ['centre_id', 'held_at']),
    ('ix_referrals_centre_created_at', 'referrals', ['centre_id', 'created_at']),
    ('ix_referral_status_changes_referral_changed_at', 'referral_status_changes',
     ['referral_id', 'changed_at']),
    ('ix_referral_status_changes_centre_changed_at', 'referral_status_changes',
     ['centre_id', 'changed_at']),
]


# Widened so that the statistics' follow-up sums read the index alone.
FOLLOW_UP = 'ix_counselling_sessions_centre_follow_up'
FOLLOW_UP_BEFORE = ['centre_id', 'follow_up_on']
FOLLOW_UP_AFTER = ['centre_id', 'follow_up_on', 'follow_up_done_at', 'held_at']


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    op.drop_index(FOLLOW_UP, table_name='counselling_sessions')
    op.create_index(FOLLOW_UP, 'counselling_sessions', FOLLOW_UP_AFTER, unique=False)


def downgrade():
    op.drop_index(FOLLOW_UP, table_name='counselling_sessions')
    op.create_index(FOLLOW_UP, 'counselling_sessions', FOLLOW_UP_BEFORE, unique=False)
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
