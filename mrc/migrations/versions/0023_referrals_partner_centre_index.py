"""the partners a centre has referred to: an index of referrals by partner and centre

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-26 15:20:00

The referral list's partner filter offers the partners the centre has referred clients to.
It was found by reading every referral of the centre through the index by partner (440 ms on
SQLite on the 1M-client archive, 200,000 referrals in Lahore); with the centre in that index,
each partner is one probe. The new index replaces the one by partner alone.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("referrals") as batch_op:
        batch_op.create_index("ix_referrals_partner_centre", ["partner_id", "centre_id"])
        batch_op.drop_index("ix_referrals_partner_id")


def downgrade():
    with op.batch_alter_table("referrals") as batch_op:
        batch_op.create_index("ix_referrals_partner_id", ["partner_id"])
        batch_op.drop_index("ix_referrals_partner_centre")
