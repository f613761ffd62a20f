"""privacy: correction history, consent changes, retention period per centre

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-25 16:00:00

"""
from alembic import op
import sqlalchemy as sa

import mrc.database


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "client_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=False),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", mrc.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["changed_by_id"], ["users.id"],
                                name=op.f("fk_client_corrections_changed_by_id_users")),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"],
                                name=op.f("fk_client_corrections_client_id_clients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_corrections")),
    )
    op.create_index(op.f("ix_client_corrections_client_id"), "client_corrections",
                    ["client_id"], unique=False)
    op.create_table(
        "client_consent_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", mrc.database.UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["changed_by_id"], ["users.id"],
                                name=op.f("fk_client_consent_changes_changed_by_id_users")),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"],
                                name=op.f("fk_client_consent_changes_client_id_clients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_consent_changes")),
    )
    op.create_index(op.f("ix_client_consent_changes_client_id"), "client_consent_changes",
                    ["client_id"], unique=False)
    with op.batch_alter_table("centres") as batch_op:
        batch_op.add_column(sa.Column("retention_years", sa.Integer(), server_default="5",
                                      nullable=False))


def downgrade():
    with op.batch_alter_table("centres") as batch_op:
        batch_op.drop_column("retention_years")
    op.drop_index(op.f("ix_client_consent_changes_client_id"),
                  table_name="client_consent_changes")
    op.drop_table("client_consent_changes")
    op.drop_index(op.f("ix_client_corrections_client_id"), table_name="client_corrections")
    op.drop_table("client_corrections")
