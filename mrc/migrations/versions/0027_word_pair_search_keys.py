"""search keys for every two words of a client's names

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-27 10:30:00

A search for two common names as typed ("Huss Kha" of all centres on the 1M-client archive:
words starting "huss", 20,000 keys and more, and "kha", 62,622) read both prefix ranges
whole and intersected them to find the 410 who have both: PostgreSQL 43 ms to count them
and 50 to gather them. A ``words`` key of two name words
(``mrc.clients.search_keys.key_pairs``) is had by those 410 only: the search looks up the
pairs of the words its prefixes stand for. New and changed clients get them from the
application; this writes them for the clients already registered, from their name keys,
100,000 clients at a time with progress (``flask mrc rebuild-search-keys`` writes the same
keys).
"""
import sys
import time

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

# The key column holds 100 characters: a longer pair is not kept (as in ``key_pair``). The
# clients of one range of ids at a time, read through the index of keys by client: the
# ``|| ''`` keeps either database from reading every name key through the index of keys by
# kind instead and then picking the range's.
PAIRS_OF_WORDS = sa.text("""
    INSERT INTO client_search_keys (client_id, kind, value, centre_id, birth_year)
    SELECT DISTINCT a.client_id, 'words', a.value || ' ' || b.value, a.centre_id, a.birth_year
    FROM client_search_keys AS a
    JOIN client_search_keys AS b
      ON b.client_id = a.client_id AND b.kind = 'name' AND b.value > a.value
    WHERE a.client_id >= :first AND a.client_id < :after AND a.kind || '' = 'name'
      AND length(a.value) + length(b.value) < 100
""")
CLIENTS_PER_STEP = 100_000


def upgrade():
    started = time.monotonic()
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM client_search_keys WHERE kind = 'words'"))
    last_id = bind.scalar(sa.text("SELECT max(id) FROM clients")) or 0
    # Minutes for a million clients: say how far it is after each step.
    for first in range(0, last_id + 1, CLIENTS_PER_STEP):
        after = first + CLIENTS_PER_STEP
        bind.execute(PAIRS_OF_WORDS, {"first": first, "after": after})
        print(f"  search keys: pairs of name words of clients up to id "
              f"{min(after - 1, last_id):,d} of {last_id:,d} written, "
              f"{time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    if bind.dialect.name == "postgresql":
        # A third more rows of one kind: the planner's statistics of the table, at once
        # (autovacuum would come to it later).
        bind.execute(sa.text("ANALYZE client_search_keys"))


def downgrade():
    op.execute(sa.text("DELETE FROM client_search_keys WHERE kind = 'words'"))
