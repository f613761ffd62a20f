"""open follow-ups of a centre with their counsellor and client: a partial index

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-26 15:30:00

A manager's home page counts each counsellor's open follow-ups due by today. PostgreSQL
read every counselling session for it (a parallel sequential scan, 450 ms for the Lahore
manager on the 1M-client archive, whose 59,000 open overdue follow-ups it then joins to their
clients); from this index of the open follow-ups alone, with the counsellor and the client,
it reads only those (109 ms, most of it the clients). SQLite keeps its plan through the
centre's follow-up index.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

OPEN = sa.text("follow_up_done_at IS NULL AND follow_up_on IS NOT NULL")


def upgrade():
    with op.batch_alter_table("counselling_sessions") as batch_op:
        batch_op.create_index("ix_counselling_sessions_open_follow_ups_by_centre",
                              ["centre_id", "follow_up_on", "counsellor_id", "client_id"],
                              sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade():
    with op.batch_alter_table("counselling_sessions") as batch_op:
        batch_op.drop_index("ix_counselling_sessions_open_follow_ups_by_centre")
