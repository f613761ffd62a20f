"""client father's name: as on the CNIC / B-form or NID, weighed by the duplicate check

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    # The server default fills the existing rows; new rows get "" from the model.
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("father_name", sa.String(length=100), nullable=False,
                                      server_default=""))


def downgrade():
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("father_name")
