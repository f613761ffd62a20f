"""merge the branches: statistics indexes, month submissions, information sheets, privacy,
client merges

Revision ID: 0012
Revises: 0007, 0008, 0009, 0010, 0011
Create Date: 2026-11-25 17:00:00

"""

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = ("0007", "0008", "0009", "0010", "0011")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
