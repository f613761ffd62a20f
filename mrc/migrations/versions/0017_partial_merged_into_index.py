"""clients merged into another: a partial index of the few that are

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-26 06:50:00

SQLite's statistics counted every NULL of merged_into_id as one value shared by all clients,
so "records merged into one of these" scanned the table. Only the merged records are indexed.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

NOT_NULL = sa.text("merged_into_id IS NOT NULL")


def upgrade():
    with op.batch_alter_table("clients") as batch_op:
        batch_op.drop_index("ix_clients_merged_into_id")
        batch_op.create_index("ix_clients_merged_into_id", ["merged_into_id"],
                              sqlite_where=NOT_NULL, postgresql_where=NOT_NULL)


def downgrade():
    with op.batch_alter_table("clients") as batch_op:
        batch_op.drop_index("ix_clients_merged_into_id")
        batch_op.create_index("ix_clients_merged_into_id", ["merged_into_id"])
