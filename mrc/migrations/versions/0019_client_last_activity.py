"""clients.last_activity_at, kept for the retention list, with its index

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-26 11:00:00

The retention list aggregated every activity of every client of a centre to find whose last
activity is older than the retention period: 14 s for a Lahore manager, 27 s for the admin on
the 1M-client archive. Each client now keeps the latest of their registration and their
activities (mrc.clients.activity keeps it on every change); the list reads a range of a
partial index of the clients still to be anonymised. Filled here from the records.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

STILL_HELD = sa.text("anonymised_at IS NULL AND merged_into_id IS NULL")
# The latest of each kind of activity, each through an index on the client's id; SQLite's
# max() of several values is NULL if one is, hence COALESCE. {greatest}: max on SQLite,
# greatest on PostgreSQL.
FILL = """
        UPDATE clients SET last_activity_at = {greatest}(
            created_at,
            COALESCE((SELECT max(s.held_at) FROM counselling_sessions AS s
                      WHERE s.client_id = clients.id), created_at),
            COALESCE((SELECT max(g.starts_at) FROM group_session_attendees AS a
                      JOIN group_sessions AS g ON g.id = a.group_session_id
                      WHERE a.client_id = clients.id), created_at),
            COALESCE((SELECT max(r.created_at) FROM referrals AS r
                      WHERE r.client_id = clients.id), created_at),
            COALESCE((SELECT max(c.changed_at) FROM referral_status_changes AS c
                      JOIN referrals AS r ON r.id = c.referral_id
                      WHERE r.client_id = clients.id), created_at))
    """


def upgrade():
    with op.batch_alter_table("clients") as batch_op:
        batch_op.add_column(sa.Column("last_activity_at", sa.DateTime(), nullable=True))
    greatest = "max" if op.get_bind().dialect.name == "sqlite" else "greatest"
    op.execute(FILL.format(greatest=greatest))  # nosec B608 (a function name, no value)
    with op.batch_alter_table("clients") as batch_op:
        batch_op.create_index("ix_clients_retention", ["centre_id", "last_activity_at"],
                              sqlite_where=STILL_HELD, postgresql_where=STILL_HELD)


def downgrade():
    with op.batch_alter_table("clients") as batch_op:
        batch_op.drop_index("ix_clients_retention")
        batch_op.drop_column("last_activity_at")
