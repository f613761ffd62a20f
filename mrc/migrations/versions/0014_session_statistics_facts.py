"""statistics facts on counselling sessions: the client's sex, age group, destination and previous session

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25 19:20:00

The copies are filled here for existing sessions, a batch of clients at a time with progress on
stderr (a national archive of five million sessions takes minutes). The SQL is a frozen copy of
``mrc.stats.facts`` as of this revision, so that later changes to the app cannot change what
this migration does.
"""
import sys
import time

from alembic import op
import sqlalchemy as sa

import mrc.database


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_counselling_sessions_statistics",
     ["centre_id", "held_at", "client_sex", "client_age_group", "client_previous_session_at",
      "client_destination", "channel", "topics"]),
    ("ix_counselling_sessions_centre_follow_up_done",
     ["centre_id", "follow_up_done_at", "follow_up_on", "held_at"]),
    ("ix_counselling_sessions_client_held_at", ["client_id", "held_at"]),
]
CLIENTS_PER_BATCH = 50_000

sessions = sa.table(
    "counselling_sessions", sa.column("id"), sa.column("client_id"), sa.column("held_at"),
    sa.column("client_sex"), sa.column("client_age_group"), sa.column("client_destination"),
    sa.column("client_previous_session_at"))
clients = sa.table("clients", sa.column("id"), sa.column("sex"), sa.column("date_of_birth"),
                   sa.column("birth_year"), sa.column("destination_country"))
earlier = sessions.alias("earlier")


def _age_group(at, date_of_birth, birth_year):
    at_year, at_month, at_day = (sa.extract(part, at) for part in ("year", "month", "day"))
    born_month, born_day = sa.extract("month", date_of_birth), sa.extract("day", date_of_birth)
    birthday_not_yet = sa.or_(at_month < born_month,
                              sa.and_(at_month == born_month, at_day < born_day))
    age = sa.case(
        (date_of_birth.is_not(None),
         at_year - sa.extract("year", date_of_birth) - sa.case((birthday_not_yet, 1), else_=0)),
        else_=at_year - birth_year,
    )
    return sa.case(
        (sa.and_(date_of_birth.is_(None), birth_year.is_(None)), sa.literal("unknown")),
        (age < 18, sa.literal("under_18")),
        (age < 25, sa.literal("18_24")),
        (age < 35, sa.literal("25_34")),
        (age < 50, sa.literal("35_49")),
        else_=sa.literal("50_plus"),
    )


def _of_client(column):
    return sa.select(column).where(clients.c.id == sessions.c.client_id).scalar_subquery()


def _fill(connection):
    values = {
        "client_sex": _of_client(clients.c.sex),
        "client_age_group": _of_client(_age_group(sessions.c.held_at, clients.c.date_of_birth,
                                                  clients.c.birth_year)),
        "client_destination": _of_client(clients.c.destination_country),
        "client_previous_session_at": (
            sa.select(sa.func.max(earlier.c.held_at))
            .where(earlier.c.client_id == sessions.c.client_id,
                   sa.or_(earlier.c.held_at < sessions.c.held_at,
                          sa.and_(earlier.c.held_at == sessions.c.held_at,
                                  earlier.c.id < sessions.c.id)))
            .scalar_subquery()
        ),
    }
    last_id = connection.execute(sa.select(sa.func.max(clients.c.id))).scalar() or 0
    started = time.monotonic()
    for start in range(0, last_id + 1, CLIENTS_PER_BATCH):
        connection.execute(sa.update(sessions).values(**values).where(
            sessions.c.client_id >= start, sessions.c.client_id < start + CLIENTS_PER_BATCH))
        if last_id > CLIENTS_PER_BATCH:
            done = min(start + CLIENTS_PER_BATCH - 1, last_id)
            print(f"  statistics facts: clients {done:,d} of {last_id:,d}, "
                  f"{time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)


def upgrade():
    with op.batch_alter_table("counselling_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_sex", sa.String(length=12), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("client_age_group", sa.String(length=8), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("client_destination", sa.String(length=2), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("client_previous_session_at", mrc.database.UTCDateTime(),
                                      nullable=True))
    # The client's sessions in order first: filling the previous session reads it.
    name, columns = INDEXES[2]
    op.create_index(name, "counselling_sessions", columns, unique=False)
    _fill(op.get_bind())
    for name, columns in INDEXES[:2]:
        op.create_index(name, "counselling_sessions", columns, unique=False)


def downgrade():
    for name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name="counselling_sessions")
    with op.batch_alter_table("counselling_sessions", schema=None) as batch_op:
        for column in ("client_previous_session_at", "client_destination", "client_age_group",
                       "client_sex"):
            batch_op.drop_column(column)
