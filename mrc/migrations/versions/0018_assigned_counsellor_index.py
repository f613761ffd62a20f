"""clients by assigned counsellor: a partial index of those who have one

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-26 09:30:00

A counsellor's home page lists the follow-ups and referrals of the clients assigned to them;
without this index that part read every open follow-up and referral of the centre (943 ms
for a Lahore counsellor on the 1M-client archive). Partial, like ix_clients_merged_into_id,
so that SQLite's statistics do not count the clients without one as one shared value.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

ASSIGNED = sa.text("assigned_counsellor_id IS NOT NULL")


def upgrade():
    with op.batch_alter_table("clients") as batch_op:
        batch_op.create_index("ix_clients_assigned_counsellor_id", ["assigned_counsellor_id"],
                              sqlite_where=ASSIGNED, postgresql_where=ASSIGNED)


def downgrade():
    with op.batch_alter_table("clients") as batch_op:
        batch_op.drop_index("ix_clients_assigned_counsellor_id")
