"""client merges: a merged record redirects to the surviving one; what moved, for undo

Revision ID: 0011
Revises: 0006
Create Date: 2026-11-25 16:10:00

"""
from alembic import op
import sqlalchemy as sa

import mrc.database


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_clients_merged_into_id"), ["merged_into_id"],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_clients_merged_into_id_clients"), "clients",
                                    ["merged_into_id"], ["id"])
    op.create_table(
        "client_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        sa.Column("merged_id", sa.Integer(), nullable=False),
        sa.Column("merged_by_id", sa.Integer(), nullable=False),
        sa.Column("merged_at", mrc.database.UTCDateTime(), nullable=False),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.Column("undone_at", mrc.database.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["merged_by_id"], ["users.id"],
                                name=op.f("fk_client_merges_merged_by_id_users")),
        sa.ForeignKeyConstraint(["merged_id"], ["clients.id"],
                                name=op.f("fk_client_merges_merged_id_clients")),
        sa.ForeignKeyConstraint(["survivor_id"], ["clients.id"],
                                name=op.f("fk_client_merges_survivor_id_clients")),
        sa.ForeignKeyConstraint(["undone_by_id"], ["users.id"],
                                name=op.f("fk_client_merges_undone_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_merges")),
    )
    op.create_index(op.f("ix_client_merges_merged_id"), "client_merges", ["merged_id"],
                    unique=False)
    op.create_index(op.f("ix_client_merges_survivor_id"), "client_merges", ["survivor_id"],
                    unique=False)
    op.create_table(
        "client_merge_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merge_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("group_session_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["merge_id"], ["client_merges.id"],
                                name=op.f("fk_client_merge_moves_merge_id_client_merges"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_merge_moves")),
    )
    op.create_index(op.f("ix_client_merge_moves_merge_id"), "client_merge_moves", ["merge_id"],
                    unique=False)


def downgrade():
    op.drop_index(op.f("ix_client_merge_moves_merge_id"), table_name="client_merge_moves")
    op.drop_table("client_merge_moves")
    op.drop_index(op.f("ix_client_merges_survivor_id"), table_name="client_merges")
    op.drop_index(op.f("ix_client_merges_merged_id"), table_name="client_merges")
    op.drop_table("client_merges")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_clients_merged_into_id_clients"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_clients_merged_into_id"))
        batch_op.drop_column("merged_into_id")
