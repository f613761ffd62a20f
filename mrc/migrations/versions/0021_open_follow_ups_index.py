"""open follow-ups of every centre by due date: a partial index

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-26 12:10:00

An admin's home page lists the open follow-ups of every centre due by today. The follow-up
indexes start with the centre, so PostgreSQL read every counselling session (2.4 s on the
1M-client archive); this index holds only the open follow-ups, in the order the page lists
them (88 ms).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

OPEN = sa.text("follow_up_done_at IS NULL AND follow_up_on IS NOT NULL")


def upgrade():
    with op.batch_alter_table("counselling_sessions") as batch_op:
        batch_op.create_index("ix_counselling_sessions_open_follow_ups",
                              ["follow_up_on", "held_at", "id"],
                              sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade():
    with op.batch_alter_table("counselling_sessions") as batch_op:
        batch_op.drop_index("ix_counselling_sessions_open_follow_ups")
