"""``flask mrc archive-data``: a large synthetic archive for statistics and search benchmarks.

Ten years of eight centres by default: a million clients with their search keys, five million
counselling sessions with follow-ups, two hundred thousand group sessions with attendees and
head counts, and a million referrals with their status changes. People are drawn with the demo
generator's populations (``mrc.clients.demo``) and casework with the demo casework weights;
activity grows over the years and happens in office hours of each centre's own time zone.

Rows are written in large batches, never as ORM objects: SQLAlchemy Core ``insert()``
executemany on SQLite, ``COPY ... FROM STDIN`` through psycopg on PostgreSQL. Primary keys are
handed out here (so no row needs RETURNING); PostgreSQL sequences are moved past them at the end.
The same seed gives the same archive.
"""

import bisect
import functools
import itertools
import random
import time as clock
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext
from sqlalchemy import Date, func, select

from mrc.auth.models import Role, User
from mrc.centres.models import Centre
from mrc.centres.services import SEED_CENTRES, seed_centres
from mrc.clients import demo as people
from mrc.clients.activity import refresh_last_activity_of_range
from mrc.clients.models import Client, ClientReferenceCounter, ClientSearchKey
from mrc.clients.search_keys import keys_for
from mrc.counselling import demo as counselling_demo
from mrc.counselling.choices import PATHWAYS, TOPICS
from mrc.counselling.models import CounsellingSession
from mrc.database import UTCDateTime
from mrc.extensions import db
from mrc.group_sessions import demo as group_demo
from mrc.group_sessions.models import GroupSession, GroupSessionAttendee, GroupSessionHeadCount
from mrc.partners.models import Partner
from mrc.progress import progressbar
from mrc.referrals import demo as referral_demo
from mrc.referrals.models import Referral, ReferralStatusChange
from mrc.stats.facts import refresh_session_facts_of_range
from mrc.stats.rollup import forget_everything

# The seeded centres plus three more, so that national figures add up over eight.
ARCHIVE_CENTRES = [*SEED_CENTRES, *[
    dict(code="KHI", name="Migrant Resource Centre Karachi", country="PK", city="Karachi",
         timezone="Asia/Karachi", default_locale="ur"),
    dict(code="PEW", name="Migrant Resource Centre Peshawar", country="PK", city="Peshawar",
         timezone="Asia/Karachi", default_locale="ps"),
    dict(code="SYL", name="Migrant Resource Centre Sylhet", country="BD", city="Sylhet",
         timezone="Asia/Dhaka", default_locale="bn"),
]]
# Share of the archive's activity per centre (bigger cities, busier centres).
CENTRE_WEIGHTS = {"LHR": 20, "ISB": 14, "DAC": 18, "BGW": 12, "EBL": 9, "KHI": 14, "PEW": 8,
                  "SYL": 5}
KARACHI_AREA = (("Sindh", "Karachi", 60), ("Sindh", "Hyderabad", 10), ("Sindh", "Sukkur", 4),
                ("Sindh", "Larkana", 4), ("Sindh", "Mirpur Khas", 3), ("Punjab", "Multan", 3),
                ("Balochistan", "Quetta", 2))
SYLHET_AREA = tuple(place for place in people.BANGLADESH_AREA if place[0] == "Sylhet") + (
    ("Dhaka", "Dhaka", 2), ("Chittagong", "Comilla", 1))
ARCHIVE_COMMUNITIES = {
    "KHI": (people.Community(80, people.URDU, KARACHI_AREA, (("ur", 1.0), ("sd", 0.3))),
            people.Community(15, people.PASHTO, people.PASHTUN_AREA, people.PASHTUN_LANGUAGES),
            people.Community(5, people.PASHTO, people.AFGHAN_RESIDENCE, people.AFGHAN_LANGUAGES,
                             nationality="AF")),
    "PEW": (people.Community(75, people.PASHTO, people.PASHTUN_AREA, people.PASHTUN_LANGUAGES),
            people.Community(10, people.URDU, people.ISLAMABAD_AREA, (("ur", 1.0),)),
            people.Community(15, people.PASHTO, people.AFGHAN_RESIDENCE, people.AFGHAN_LANGUAGES,
                             nationality="AF")),
    "SYL": (people.Community(90, people.BENGALI_MUSLIM, SYLHET_AREA, (("bn", 1.0),)),
            people.Community(10, people.BENGALI_HINDU, SYLHET_AREA, (("bn", 1.0),))),
}
# Local partners every centre refers to, beside the national starter directory.
LOCAL_PARTNERS = (
    ("Legal Aid Clinic, {city}", "legal_aid", "legal_aid trafficking_complaint"),
    ("Psychosocial Support Centre, {city}", "health", "psychosocial health"),
    ("Technical and Language Institute, {city}", "training",
     "skills_training language_training education_abroad"),
    ("Migrant Welfare Society, {city}", "ngo", "welfare reintegration displacement"),
)
COUNSELLORS_PER_CENTRE = 6
GROWTH = 2.0  # the last day of the archive is this many times busier than the first
REGISTERED_AT_FIRST_VISIT = 0.85  # clients with a counselling session on registration
RETURN_DAYS_MEAN = 90  # working days between a client's visits, on average
STATUS_STEPS = dict(referral_demo.PATHS)
PATHWAY_WEIGHTS = {"none": 50, "government_channel": 20, "talent_partnership": 8,
                   "study_abroad": 8, "seasonal_circular": 8, "family_reunification": 6}
CHUNK = 10_000
# Drawing a person (names, valid phone number, ID) is the slowest part: one client in four is
# drawn afresh, the others are variants of one drawn before (see ``_variant``).
FRESH_PEOPLE = 0.25
POOL_SIZE = 20_000  # clients generated, written and committed together


class ArchiveRefused(Exception):
    """The database has clients already and the archive was not forced."""


@dataclass
class Sizes:
    clients: int = 1_000_000
    sessions: int = 5_000_000
    group_sessions: int = 200_000
    referrals: int = 1_000_000
    years: int = 10


@dataclass
class Result:
    rows: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total / self.seconds if self.seconds else 0.0


# --- writing in bulk ----------------------------------------------------------------------------

# Tables in the order their rows must reach the database (parents first) and their columns.
TABLES = {
    Client.__table__: ("id", "reference", "centre_id", "given_name", "family_name",
                       "given_name_native", "family_name_native", "father_name", "sex",
                       "date_of_birth",
                       "birth_year", "nationality", "national_id", "phone", "province",
                       "district", "education", "occupation", "skills", "languages",
                       "migration_status", "destination_country", "destination_sector",
                       "heard_about", "consent_date", "consent_recorded_by_id",
                       "consent_services", "consent_follow_up", "consent_referral_sharing",
                       "consent_statistics", "assigned_counsellor_id", "trafficking_indication",
                       "smuggling_indication", "protection_concern", "created_at",
                       "created_by_id", "updated_at", "last_visit_at", "last_activity_at"),
    ClientSearchKey.__table__: ("id", "client_id", "kind", "value", "centre_id", "birth_year"),
    CounsellingSession.__table__: ("id", "centre_id", "client_id", "counsellor_id", "held_at",
                                   "channel", "duration_minutes", "topics", "pathways",
                                   "notes", "follow_up_on", "follow_up_done_at",
                                   "created_by_id", "created_at", "updated_at"),
    Referral.__table__: ("id", "centre_id", "client_id", "partner_id", "service", "reason",
                         "urgency", "status", "follow_up_due", "outcome", "created_by_id",
                         "created_at", "updated_at"),
    ReferralStatusChange.__table__: ("id", "referral_id", "centre_id", "from_status",
                                     "to_status", "note", "changed_by_id", "changed_at"),
    GroupSession.__table__: ("id", "centre_id", "kind", "starts_at", "venue", "venue_type",
                             "partner_id", "facilitators", "topics", "destination_country",
                             "notes", "created_by_id", "created_at", "updated_at"),
    GroupSessionAttendee.__table__: ("id", "centre_id", "group_session_id", "client_id",
                                     "added_by_id", "added_at"),
    GroupSessionHeadCount.__table__: ("id", "centre_id", "group_session_id", "sex",
                                      "age_group", "count"),
}


class BulkWriter:
    """Buffers rows (tuples in ``TABLES`` column order) and writes them table by table.

    PostgreSQL gets ``COPY FROM STDIN``; any other database one executemany of the table's Core
    ``insert()`` per batch. Values are converted here as the column types would store them
    (``UTCDateTime``: naive UTC; on SQLite SQLAlchemy's text forms of dates and timestamps),
    which saves the per-row type processing of a million-row load.
    """

    def __init__(self):
        self.connection = db.session.connection()
        dialect = self.connection.dialect
        self.copy = dialect.name == "postgresql"
        self.buffers = {table: [] for table in TABLES}
        self.next_ids = {
            table: (db.session.scalar(select(func.max(table.c.id))) or 0) + 1 for table in TABLES
        }
        self.written: Counter = Counter()
        self.statements = {
            table: str(table.insert().compile(dialect=dialect,
                                              column_keys=list(columns)))
            for table, columns in TABLES.items()
        }
        self._stamps = {table: [i for i, name in enumerate(columns)
                                if isinstance(table.c[name].type, UTCDateTime)]
                        for table, columns in TABLES.items()}
        self._dates = {table: [i for i, name in enumerate(columns)
                               if isinstance(table.c[name].type, Date)]
                       for table, columns in TABLES.items()}

    def new_id(self, table) -> int:
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def add(self, table, row: tuple) -> None:
        self.buffers[table].append(row)

    def flush(self) -> None:
        for table, rows in self.buffers.items():
            if rows:
                if self.copy:
                    self._copy(table, rows)
                else:
                    self.connection.exec_driver_sql(self.statements[table],
                                                    [self._text_row(table, row) for row in rows])
                self.written[table.name] += len(rows)
                rows.clear()

    def _text_row(self, table, row: tuple) -> tuple:
        """SQLite: timestamps and dates in the text form SQLAlchemy stores them in."""
        row = list(row)
        for index in self._stamps[table]:
            if row[index] is not None:
                row[index] = row[index].astimezone(UTC).isoformat(" ", "microseconds")[:26]
        for index in self._dates[table]:
            if row[index] is not None:
                row[index] = row[index].isoformat()
        return tuple(row)

    def _copy(self, table, rows) -> None:
        columns = TABLES[table]
        stamps = self._stamps[table]
        cursor = self.connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                if stamps:
                    row = list(row)
                    for index in stamps:
                        if row[index] is not None:
                            row[index] = row[index].astimezone(UTC).replace(tzinfo=None)
                copy.write_row(row)

    def commit(self) -> None:
        self.flush()
        db.session.commit()
        self.connection = db.session.connection()

    def analyze(self) -> None:
        """PostgreSQL: refresh the planner's statistics of the tables written so far.

        The kept copies are recomputed after each centre by correlated subqueries; planned
        with the statistics of tables that were nearly empty, PostgreSQL read every referral
        status change once per client (a minute per 20,000 clients instead of a second)."""
        if self.copy:
            for table in TABLES:
                # The table names come from our own model list, never from input.
                self.connection.exec_driver_sql(f"ANALYZE {table.name}")
            db.session.commit()
            self.connection = db.session.connection()

    def finish(self) -> None:
        """Write what is left, move PostgreSQL's id sequences past the ids handed out, and
        refresh the planner's statistics of the tables (without them PostgreSQL plans the
        statistics' correlated subqueries as if the tables were empty: minutes, not ms)."""
        self.flush()
        if self.copy:
            for table in TABLES:
                # The table names come from our own model list, never from input.
                self.connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # nosec B608
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))")
        db.session.commit()
        if self.copy:
            # VACUUM as well: it marks the new pages all-visible, which index-only scans need.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as autocommit:
                for table in TABLES:
                    autocommit.exec_driver_sql(f"VACUUM ANALYZE {table.name}")
        else:
            for table in TABLES:
                self.connection = db.session.connection()
                self.connection.exec_driver_sql(f"ANALYZE {table.name}")
                db.session.commit()


# --- calendars ----------------------------------------------------------------------------------

OPENING = people.OFFICE_OPENS.hour * 60 + people.OFFICE_OPENS.minute
OFFICE_MINUTES = (people.OFFICE_CLOSES.hour * 60 + people.OFFICE_CLOSES.minute) - OPENING


class WorkingDays:
    """A centre's working days of the archive's span, each with its opening instant in UTC."""

    def __init__(self, centre: Centre, first: date, last: date):
        zone = ZoneInfo(centre.timezone)
        profile = people.COUNTRY_PROFILES.get(centre.country)
        weekend = profile.weekend if profile else frozenset({5, 6})
        self.days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        self.days = [day for day in self.days if day.weekday() not in weekend]
        self.opens = [datetime.combine(day, people.OFFICE_OPENS, zone).astimezone(UTC)
                      for day in self.days]
        count = len(self.days)
        # Busier every year: the weight of a day grows linearly to GROWTH times the first's.
        self.cumulative = list(itertools.accumulate(
            1 + (GROWTH - 1) * index / max(1, count - 1) for index in range(count)))
        self.last = count - 1

    def draw(self, rng: random.Random, count: int) -> list[int]:
        """``count`` day indexes, sorted, busier days more often."""
        return sorted(rng.choices(range(len(self.days)), cum_weights=self.cumulative, k=count))

    def moment(self, rng: random.Random, day: int, *, step: int = 1,
               last_minute: int = OFFICE_MINUTES) -> datetime:
        minutes = step * rng.randint(0, last_minute // step)
        seconds = rng.randint(0, 59) if step == 1 else 0
        return self.opens[day] + timedelta(minutes=minutes, seconds=seconds)


# --- drawing ------------------------------------------------------------------------------------

def _split(total: int, weights: dict[str, float], codes: list[str]) -> dict[str, int]:
    """``total`` shared out over ``codes`` by weight, exactly."""
    weight = {code: weights.get(code, 5) for code in codes}
    whole = sum(weight.values())
    shares = {code: total * weight[code] // whole for code in codes}
    for code in codes[:total - sum(shares.values())]:
        shares[code] += 1
    return shares


def _per_client(rng: random.Random, clients: int, total: int, first_share: float) -> list[int]:
    """How many of ``total`` events each client has: a first one for ``first_share`` of them
    (as far as ``total`` goes), the rest spread at random."""
    counts = [0] * clients
    if not clients:
        return counts  # a tiny archive may leave a small centre without clients
    firsts = min(total, int(clients * first_share))
    for index in rng.sample(range(clients), firsts):
        counts[index] = 1
    for index in rng.choices(range(clients), k=total - firsts):
        counts[index] += 1
    return counts


@functools.lru_cache(maxsize=200_000)
def _name_keys(full_name: str, full_name_native: str) -> tuple:
    return tuple(keys_for(names=[full_name, full_name_native], phone_e164="", national_id=""))


def _search_keys(person: dict) -> list[tuple[str, str]]:
    """The keys ``mrc.clients.services`` stores for a client (names cached: they repeat)."""
    keys = list(_name_keys(
        " ".join(part for part in (person["given_name"], person["family_name"]) if part),
        " ".join(part for part in (person["given_name_native"], person["family_name_native"])
                 if part)))
    keys.extend(keys_for(names=[], phone_e164=person["phone"],
                         national_id=person["national_id"]))
    return keys


def _ordered(codes, vocabulary) -> str:
    return " ".join(code for code, _label in vocabulary if code in codes)


class Weighted:
    """Draws from ``{value: weight}`` without rebuilding lists on every draw."""

    def __init__(self, weights: dict):
        self.values = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]

    def several(self, rng: random.Random, count: int) -> set:
        chosen: set = set()
        while len(chosen) < count:
            chosen.add(self(rng))
        return chosen


_WEIGHTED: dict[int, Weighted] = {}


def _chooser(weights: dict) -> Weighted:
    """The chooser of a weights table (the tables are module constants, kept by id)."""
    chooser = _WEIGHTED.get(id(weights))
    if chooser is None:
        chooser = _WEIGHTED[id(weights)] = Weighted(weights)
    return chooser


def _pick(rng: random.Random, weights: dict):
    return _chooser(weights)(rng)


def _several(rng: random.Random, weights: dict, count: int) -> set:
    return _chooser(weights).several(rng, count)


def _new_digits(rng: random.Random, text: str, count: int) -> str:
    """``text`` with the ``count`` digits before its last character drawn again."""
    chars = list(text)
    for index in range(max(0, len(chars) - 1 - count), len(chars) - 1):
        if chars[index].isdigit():
            chars[index] = str(rng.randint(0, 9))
    return "".join(chars)


def _variant(rng: random.Random, pooled: tuple[dict, date], registered_on: date) -> dict:
    """Another person like a drawn one: same kind of name, place and plans, ages kept at
    registration, another phone number and ID number."""
    person, pooled_on = pooled
    person = dict(person)
    years = registered_on.year - pooled_on.year
    person["birth_year"] += years
    if person["date_of_birth"] is not None:
        born = person["date_of_birth"]
        person["date_of_birth"] = born.replace(year=born.year + years, day=min(born.day, 28))
    if person["phone"]:
        # The mobile network code stays, so the number stays valid.
        person["phone"] = person["phone"][:-4] + f"{rng.randint(0, 9999):04d}"
    if person["national_id"]:
        person["national_id"] = _new_digits(rng, person["national_id"], 7)
    return person


@dataclass
class CentreStaff:
    counsellors: list[int]
    manager: int


@dataclass
class CentrePlan:
    centre: Centre
    clients: int
    sessions: int
    group_sessions: int
    referrals: int


class ArchiveGenerator:
    """Generates the archive centre by centre; ``progress(rows)`` after every chunk."""

    def __init__(self, sizes: Sizes, seed: int, progress: Callable[[int], None] | None = None):
        self.sizes = sizes
        self.seed = seed
        self.progress = progress or (lambda rows: None)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.first_day = (self.now - timedelta(days=round(365.25 * sizes.years))).date()

    # set-up ------------------------------------------------------------------------------------

    def centres(self) -> list[Centre]:
        seed_centres()
        existing = set(db.session.scalars(select(Centre.code)))
        for values in ARCHIVE_CENTRES:
            if values["code"] not in existing:
                db.session.add(Centre(**values))
        db.session.commit()
        return list(db.session.scalars(select(Centre).order_by(Centre.code)))

    def staff(self, centres: list[Centre]) -> dict[int, CentreStaff]:
        from mrc.auth.demo import ensure_demo_staff
        from mrc.auth.passwords import hash_password

        ensure_demo_staff()
        hashed = None
        staff = {}
        for centre in centres:
            code = centre.code.lower()
            for number in range(2, COUNSELLORS_PER_CENTRE + 1):
                username = f"{code}-counsellor-{number}"
                if db.session.scalar(select(User.id).where(User.username == username)) is None:
                    # Nobody knows this password: log in as <code>-counsellor to look around.
                    hashed = hashed or hash_password(f"archive {random.random()} {self.seed}")
                    db.session.add(User(username=username, role=Role.COUNSELLOR,
                                        display_name=f"{centre.city} counsellor {number}",
                                        password_hash=hashed, centre_id=centre.id))
            db.session.commit()
            users = db.session.execute(
                select(User.id, User.role).where(User.centre_id == centre.id).order_by(User.id)
            ).all()
            staff[centre.id] = CentreStaff(
                counsellors=[uid for uid, role in users if role == Role.COUNSELLOR],
                manager=next(uid for uid, role in users if role == Role.MANAGER))
        return staff

    def partners(self, centres: list[Centre]) -> dict[int, list[tuple[int, str, str]]]:
        """Per centre: (partner id, service, kind) of every service its partners offer."""
        from mrc.partners.services import seed_partners

        seed_partners()
        for centre in centres:
            names = set(db.session.scalars(select(Partner.name)
                                           .where(Partner.centre_id == centre.id)))
            for name, kind, services in LOCAL_PARTNERS:
                name = name.format(city=centre.city)
                if name not in names:
                    db.session.add(Partner(name=name, kind=kind, services=services,
                                           country=centre.country, centre_id=centre.id,
                                           city=centre.city))
        db.session.commit()
        offered = {}
        for centre in centres:
            rows = db.session.execute(
                select(Partner.id, Partner.services, Partner.kind)
                .where(Partner.country == centre.country, Partner.active.is_(True),
                       (Partner.centre_id == centre.id) | Partner.centre_id.is_(None))
                .order_by(Partner.id)
            ).all()
            offered[centre.id] = [(pid, service, kind) for pid, services, kind in rows
                                  for service in services.split()]
        return offered

    def plans(self, centres: list[Centre]) -> list[CentrePlan]:
        codes = [centre.code for centre in centres]
        shares = {name: _split(getattr(self.sizes, name), CENTRE_WEIGHTS, codes)
                  for name in ("clients", "sessions", "group_sessions", "referrals")}
        return [CentrePlan(centre, *(shares[name][centre.code] for name in
                                     ("clients", "sessions", "group_sessions", "referrals")))
                for centre in centres]

    # generation --------------------------------------------------------------------------------

    def run(self) -> Result:
        started = clock.perf_counter()
        centres = self.centres()
        staff = self.staff(centres)
        partners = self.partners(centres)
        writer = BulkWriter()
        counters = {(row.centre_id, row.year): row for row in
                    db.session.scalars(select(ClientReferenceCounter))}
        for plan in self.plans(centres):
            first_client = writer.next_ids[Client.__table__]
            numbers = self._centre(writer, plan, staff[plan.centre.id], partners[plan.centre.id],
                                   counters)
            writer.commit()
            writer.analyze()
            # The rows went in by COPY / executemany, not through the unit of work.
            refresh_session_facts_of_range(db.session, first_client,
                                           writer.next_ids[Client.__table__])
            refresh_last_activity_of_range(db.session, first_client,
                                           writer.next_ids[Client.__table__])
            for year, last in numbers.items():
                counter = counters.get((plan.centre.id, year))
                if counter is None:
                    counter = ClientReferenceCounter(centre_id=plan.centre.id, year=year,
                                                     last_number=0)
                    db.session.add(counter)
                    counters[(plan.centre.id, year)] = counter
                counter.last_number = max(counter.last_number, last)
            writer.commit()
        writer.finish()
        # Figures kept before this archive was added no longer add up.
        forget_everything(db.session)
        db.session.commit()
        result = Result(rows=writer.written, seconds=clock.perf_counter() - started)
        return result

    def _centre(self, writer: BulkWriter, plan: CentrePlan, staff: CentreStaff,
                partners: list[tuple[int, str, str]], counters: dict) -> dict[int, int]:
        """Write one centre's clients and casework; return {local year: last reference number}."""
        centre = plan.centre
        rng = random.Random(f"archive-{self.seed}-{centre.code}")
        days = WorkingDays(centre, self.first_day, self.now.date())
        zone = ZoneInfo(centre.timezone)
        country = people.COUNTRY_PROFILES[centre.country]
        communities = ARCHIVE_COMMUNITIES.get(centre.code) or people._communities_of(centre)
        client_days = days.draw(rng, plan.clients)
        sessions_of = _per_client(rng, plan.clients, plan.sessions, REGISTERED_AT_FIRST_VISIT)
        referrals_of = _per_client(rng, plan.clients, plan.referrals, 0.0)
        numbers = {year: counter.last_number for (centre_id, year), counter in counters.items()
                   if centre_id == centre.id}
        client_ids: list[int] = []
        client_times: list[datetime] = []
        pool: list[tuple[dict, date]] = []
        keys_table, clients_table = ClientSearchKey.__table__, Client.__table__
        for index, day in enumerate(client_days):
            created_at = days.moment(rng, day)
            local = created_at.astimezone(zone)
            if not pool or rng.random() < FRESH_PEOPLE:
                person = people._person(rng, centre, country, communities, local.date())
                pool.append((person, local.date()))
                if len(pool) > POOL_SIZE:
                    pool[rng.randrange(POOL_SIZE)] = pool.pop()
            else:
                person = _variant(rng, rng.choice(pool), local.date())
            number = numbers.get(local.year, 0) + 1
            numbers[local.year] = number
            client_id = writer.new_id(clients_table)
            counsellor = rng.choice(staff.counsellors)
            visits = self._sessions(writer, rng, days, centre, client_id, counsellor, staff,
                                    day, created_at, sessions_of[index], person)
            self._referrals(writer, rng, days, centre, client_id, counsellor, partners, day,
                            referrals_of[index], person)
            last_visit = max([created_at, *visits])
            writer.add(clients_table, (
                client_id, f"{centre.code}-{local.year}-{number:06d}", centre.id,
                person["given_name"], person["family_name"], person["given_name_native"],
                person["family_name_native"], person.get("father_name", ""), person["sex"],
                person["date_of_birth"],
                person["birth_year"], person["nationality"], person["national_id"],
                person["phone"], person["province"], person["district"], person["education"],
                person["occupation"], person["skills"], person["languages"],
                person["migration_status"], person["destination_country"],
                person["destination_sector"], person["heard_about"], local.date(), counsellor,
                True, person["consent_follow_up"], person["consent_referral_sharing"],
                person["consent_statistics"], counsellor, person["trafficking_indication"],
                person["smuggling_indication"], person["protection_concern"], created_at,
                # Last activity: made right with referrals and attendances once written.
                counsellor, last_visit, last_visit, last_visit))
            for kind, value in _search_keys(person):
                writer.add(keys_table, (writer.new_id(keys_table), client_id, kind, value,
                                        centre.id, person["birth_year"]))
            client_ids.append(client_id)
            client_times.append(created_at)
            if (index + 1) % CHUNK == 0:
                writer.commit()
                self.progress(CHUNK)
        writer.commit()
        self.progress(plan.clients % CHUNK)
        self._group_sessions(writer, rng, days, centre, staff, partners, plan.group_sessions,
                             client_ids, client_times)
        writer.commit()
        return numbers

    def _sessions(self, writer, rng, days: WorkingDays, centre, client_id, counsellor, staff,
                  day, created_at, count, person) -> list[datetime]:
        """Write ``count`` counselling sessions of one client; return when they were held."""
        table = CounsellingSession.__table__
        held = []
        # The client's visits spread over about RETURN_DAYS_MEAN working days each, from
        # registration on, within the archive (visits that would have come after its last day
        # were once put on that day: a fifth of all sessions were held on it).
        last_visit_day = min(days.last, day + count * RETURN_DAYS_MEAN)
        visit_days = sorted(rng.randint(day, last_visit_day) for _number in range(count))
        for number, visit_day in enumerate(visit_days):
            if number == 0 and rng.random() < counselling_demo.FIRST_ON_REGISTRATION_DAY:
                visit_day = day
                held_at = created_at + timedelta(minutes=rng.randint(2, 20))
            else:
                held_at = days.moment(rng, visit_day)
                if held_at < created_at:
                    held_at = created_at + timedelta(minutes=rng.randint(2, 20))
            held_at = min(held_at, self.now)
            held.append(held_at)
            channel = _pick(rng, counselling_demo.CHANNELS)
            minutes = rng.randint(*counselling_demo.MINUTES[channel])
            topics = _several(rng, counselling_demo.TOPICS,
                              int(_pick(rng, counselling_demo.TOPIC_COUNT)))
            pathway = _pick(rng, PATHWAY_WEIGHTS)
            follow_up_on = done_at = None
            if rng.random() < counselling_demo.FOLLOW_UP_SHARE:
                due_day = visit_day + rng.randint(*counselling_demo.FOLLOW_UP_DAYS)
                if due_day <= days.last:
                    follow_up_on = days.days[due_day]
                    if due_day < days.last and rng.random() < counselling_demo.DONE_WHEN_PAST:
                        done_at = min(self.now, max(held_at, days.moment(rng, due_day)))
                else:  # after the archive's last day: not due yet
                    follow_up_on = days.days[days.last] + timedelta(days=due_day - days.last)
            by = counsellor if rng.random() < counselling_demo.OWN_COUNSELLOR else rng.choice(
                staff.counsellors)
            writer.add(table, (
                writer.new_id(table), centre.id, client_id, by, held_at, channel, minutes,
                _ordered(topics, TOPICS), pathway if pathway in dict(PATHWAYS) else "", "",
                follow_up_on, done_at, by, held_at, done_at or held_at))
        return held

    def _referrals(self, writer, rng, days: WorkingDays, centre, client_id, counsellor,
                   partners, day, count, person) -> None:
        if not partners:
            return
        table, changes = Referral.__table__, ReferralStatusChange.__table__
        for _number in range(count):
            made_day = min(days.last, day + int(rng.expovariate(1 / 30)))
            created_at = min(self.now, days.moment(rng, made_day))
            partner_id, service, _kind = rng.choice(partners)
            referral_id = writer.new_id(table)
            status, moved_at = "made", created_at
            steps = _pick(rng, STATUS_STEPS).split()
            step_day = made_day
            change_rows = []
            for to_status in steps:
                step_day += rng.randint(*referral_demo.STEP_DAYS)
                if step_day > days.last:
                    break  # not happened yet
                changed_at = max(moved_at, days.moment(rng, step_day))
                if changed_at > self.now:
                    break
                change_rows.append((writer.new_id(changes), referral_id, centre.id, status,
                                    to_status, referral_demo.NOTES.get(to_status, ""),
                                    counsellor, changed_at))
                status, moved_at = to_status, changed_at
            follow_up_due = days.days[min(days.last, made_day + 5)]
            writer.add(table, (
                referral_id, centre.id, client_id, partner_id, service,
                referral_demo.REASONS.get(service, ""),
                _pick(rng, referral_demo.URGENCY), status, follow_up_due,
                referral_demo.OUTCOMES.get(service, "") if status == "completed" else "",
                counsellor, created_at, moved_at))
            for row in change_rows:
                writer.add(changes, row)

    def _group_sessions(self, writer, rng, days: WorkingDays, centre, staff, partners, count,
                        client_ids, client_times) -> None:
        table = GroupSession.__table__
        attendees, head_counts = GroupSessionAttendee.__table__, GroupSessionHeadCount.__table__
        country = people.COUNTRY_PROFILES[centre.country]
        partner_ids = sorted({pid for pid, _service, _kind in partners})
        last_start = (group_demo.LAST_START.hour * 60 + group_demo.LAST_START.minute) - OPENING
        age_groups = list(group_demo.AGE_GROUPS)
        age_weights = list(group_demo.AGE_GROUPS.values())
        for number, day in enumerate(days.draw(rng, count)):
            starts_at = days.moment(rng, day, step=30, last_minute=last_start)
            kind = _pick(rng, group_demo.KINDS)
            venue, venue_type = group_demo._venue(rng, centre, kind)
            topics = rng.sample(group_demo.TOPICS[kind], rng.randint(1, 3))
            session_id = writer.new_id(table)
            facilitator = rng.choice(staff.counsellors)
            writer.add(table, (
                session_id, centre.id, kind, starts_at, venue, venue_type,
                rng.choice(partner_ids) if partner_ids and rng.random() < group_demo
                .PARTNER_SHARE else None, "", _ordered(topics, TOPICS),
                _pick(rng, country.destinations) if kind == "pdo" else "", "",
                facilitator, starts_at, starts_at))
            # Registered participants: people registered before, mostly recently.
            known = bisect.bisect_right(client_times, starts_at)
            wanted = min(known, rng.randint(0, 2 * group_demo.REGISTERED_PER_SESSION - 2))
            pool = range(max(0, known - 3000), known)
            for index in rng.sample(pool, min(wanted, len(pool))):
                writer.add(attendees, (writer.new_id(attendees), centre.id, session_id,
                                       client_ids[index], facilitator, starts_at))
            # Everyone else is counted, by sex and age group.
            people_counted = rng.randint(*group_demo.HEAD_COUNT[kind])
            counts = Counter(zip(
                rng.choices(("male", "female", "other"), weights=(
                    country.male_share, 1 - country.male_share - group_demo.OTHER_SEX_SHARE,
                    group_demo.OTHER_SEX_SHARE), k=people_counted),
                rng.choices(age_groups, weights=age_weights, k=people_counted)))
            for (sex, age_group), people_in_group in sorted(counts.items()):
                writer.add(head_counts, (writer.new_id(head_counts), centre.id, session_id, sex,
                                         age_group or None, people_in_group))
            if (number + 1) % CHUNK == 0:
                writer.commit()


def generate_archive(sizes: Sizes, seed: int, *, force: bool = False,
                     progress: Callable[[int], None] | None = None) -> Result:
    """Fill the database with a synthetic archive; raises ``ArchiveRefused`` if it holds
    clients already and ``force`` is not given. ``progress(n)`` reports n more clients done."""
    if not force and db.session.scalar(select(func.count()).select_from(Client)):
        raise ArchiveRefused()
    return ArchiveGenerator(sizes, seed, progress).run()


@click.command("archive-data")
@click.option("--clients", default=1_000_000, show_default=True, type=click.IntRange(1))
@click.option("--sessions", default=5_000_000, show_default=True, type=click.IntRange(0),
              help="Counselling sessions.")
@click.option("--group-sessions", default=200_000, show_default=True, type=click.IntRange(0))
@click.option("--referrals", default=1_000_000, show_default=True, type=click.IntRange(0))
@click.option("--years", default=10, show_default=True, type=click.IntRange(1, 50))
@click.option("--seed", default=1, show_default=True, type=int,
              help="The same seed gives the same archive.")
@click.option("--force", is_flag=True, help="Add the archive although clients exist.")
@with_appcontext
def archive_data_command(clients, sessions, group_sessions, referrals, years, seed, force):
    """Fill the database with a large synthetic archive of eight centres (benchmarks)."""
    sizes = Sizes(clients, sessions, group_sessions, referrals, years)
    with progressbar(length=clients, label="Clients and their casework") as bar:
        try:
            result = generate_archive(sizes, seed, force=force, progress=bar.update)
        except ArchiveRefused:
            raise click.ClickException(
                "The database has clients already; add --force to add the archive anyway."
            ) from None
    for table, rows in result.rows.items():
        click.echo(f"{table:28s} {rows:>12,d}")
    click.echo(f"{result.total:,d} rows in {result.seconds:.0f} s: "
               f"{result.rows_per_second:,.0f} rows/second")
