"""search keys carry the client's centre and birth year; lookup indexes narrow by them

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-25 19:30:00

A search of one centre, and the duplicate check (same name, birth year within one year), then
narrow inside the key index before reading any client row. Existing keys get the copies from
their client here (a statement each; a national archive of millions of keys takes a minute or
two), and the indexes are built after that.
"""
import sys
import time

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

keys = sa.table("client_search_keys", sa.column("client_id"), sa.column("centre_id"),
                sa.column("birth_year"))
clients = sa.table("clients", sa.column("id"), sa.column("centre_id"), sa.column("birth_year"))


def upgrade():
    op.drop_index("ix_client_search_keys_kind_value", table_name="client_search_keys")
    op.drop_index("ix_client_search_keys_client_id", table_name="client_search_keys")
    with op.batch_alter_table("client_search_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("centre_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("birth_year", sa.Integer(), nullable=True))
    started = time.monotonic()
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text(
            "UPDATE client_search_keys AS k SET centre_id = c.centre_id, birth_year = c.birth_year"
            " FROM clients AS c WHERE c.id = k.client_id"))
    else:
        of_client = clients.c.id == keys.c.client_id
        bind.execute(sa.update(keys).values(
            centre_id=sa.select(clients.c.centre_id).where(of_client).scalar_subquery(),
            birth_year=sa.select(clients.c.birth_year).where(of_client).scalar_subquery()))
    print(f"  search keys: centre and birth year copied, {time.monotonic() - started:.0f} s",
          file=sys.stderr, flush=True)
    op.create_index("ix_client_search_keys_lookup", "client_search_keys",
                    ["kind", "value", "centre_id", "birth_year", "client_id"], unique=False)
    op.create_index("ix_client_search_keys_client", "client_search_keys",
                    ["client_id", "kind", "value"], unique=False)
    print(f"  search keys: indexed, {time.monotonic() - started:.0f} s",
          file=sys.stderr, flush=True)


def downgrade():
    op.drop_index("ix_client_search_keys_client", table_name="client_search_keys")
    op.drop_index("ix_client_search_keys_lookup", table_name="client_search_keys")
    with op.batch_alter_table("client_search_keys", schema=None) as batch_op:
        batch_op.drop_column("birth_year")
        batch_op.drop_column("centre_id")
    op.create_index("ix_client_search_keys_client_id", "client_search_keys", ["client_id"],
                    unique=False)
    op.create_index("ix_client_search_keys_kind_value", "client_search_keys",
                    ["kind", "value", "client_id"], unique=False)
