"""merge the casework branches: referrals, counselling, group sessions

Revision ID: 0006
Revises: 0003, 0004, 0005
Create Date: 2026-11-25 13:40:00

"""

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = ("0003", "0004", "0005")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
