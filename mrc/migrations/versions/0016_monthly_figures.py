"""monthly figures: the statistics' roll-up of each ended month of each centre

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-25 19:30:00

The table starts empty: months are counted when a statistics page first needs them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "monthly_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("month_index", sa.Integer(), nullable=False),
        sa.Column("figure", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("key2", sa.String(length=200), nullable=False),
        sa.Column("gap", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"],
                                name=op.f("fk_monthly_figures_centre_id_centres")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_figures")),
        sa.UniqueConstraint("centre_id", "month_index", "figure", "key", "key2", "gap",
                            name=op.f("uq_monthly_figures_centre_id")),
    )
    op.create_table(
        "monthly_figures_versions",
        sa.Column("centre_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"],
                                name=op.f("fk_monthly_figures_versions_centre_id_centres")),
        sa.PrimaryKeyConstraint("centre_id", name=op.f("pk_monthly_figures_versions")),
    )


def downgrade():
    op.drop_table("monthly_figures_versions")
    op.drop_table("monthly_figures")
