"""referrals

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import mrc.database


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('service', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('urgency', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('follow_up_due', sa.Date(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', mrc.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', mrc.database.UTCDateTime(), nullable=False),
    sa.Column('consent_override_reason', sa.Text(), nullable=True),
    sa.Column('consent_override_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_referrals_centre_id_centres')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_referrals_client_id_clients')),
    sa.ForeignKeyConstraint(['consent_override_by_id'], ['users.id'], name=op.f('fk_referrals_consent_override_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_referrals_created_by_id_users')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_referrals_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_follow_up_due'), ['follow_up_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_status'), ['status'], unique=False)

    op.create_table('referral_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=False),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', mrc.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_referral_status_changes_centre_id_centres')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_referral_status_changes_changed_by_id_users')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_referral_status_changes_referral_id_referrals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_status_changes'))
    )
    with op.batch_alter_table('referral_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_status_changes_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_status_changes_referral_id'), ['referral_id'], unique=False)


def downgrade():
    with op.batch_alter_table('referral_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_status_changes_referral_id'))
        batch_op.drop_index(batch_op.f('ix_referral_status_changes_centre_id'))

    op.drop_table('referral_status_changes')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_status'))
        batch_op.drop_index(batch_op.f('ix_referrals_partner_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_follow_up_due'))
        batch_op.drop_index(batch_op.f('ix_referrals_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_client_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_centre_id'))

    op.drop_table('referrals')
