"""search keys for every two sounds of a client's names

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-27 08:10:00

A search for two common names ("muhammad ali": the sounds of Muhammad and Ali, 31,095 and
11,798 keys of Lahore's 200,000 clients on the 1M-client archive) read both sound keys whole
and intersected them to find the 1,717 who have both. A ``pair`` key of the two sounds
(``mrc.clients.search_keys.key_pairs``) is had by those 1,717 only. New and changed clients
get them from the application; this writes them for the clients already registered, from
their sound keys, in one statement (``flask mrc rebuild-search-keys`` writes the same pairs).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

# The key column holds 100 characters: a longer pair is not kept (as in ``key_pair``).
PAIRS_OF_SOUNDS = sa.text("""
    INSERT INTO client_search_keys (client_id, kind, value, centre_id, birth_year)
    SELECT DISTINCT a.client_id, 'pair', a.value || ' ' || b.value, a.centre_id, a.birth_year
    FROM client_search_keys AS a
    JOIN client_search_keys AS b
      ON b.client_id = a.client_id AND b.kind = 'sound' AND b.value > a.value
    WHERE a.kind = 'sound' AND length(a.value) + length(b.value) < 100
""")


def upgrade():
    op.execute(sa.text("DELETE FROM client_search_keys WHERE kind = 'pair'"))
    op.execute(PAIRS_OF_SOUNDS)
    if op.get_bind().dialect.name == "postgresql":
        # A tenth more rows of one kind: the planner's statistics of the table, at once
        # (autovacuum would come to it later).
        op.execute(sa.text("ANALYZE client_search_keys"))


def downgrade():
    op.execute(sa.text("DELETE FROM client_search_keys WHERE kind = 'pair'"))
