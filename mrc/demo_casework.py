"""What the demo casework generators (counselling, group sessions, referrals) share.

The generators write rows directly, in batches, instead of going through the per-record
services; this module gives them the facts of the clients in one query, the centre's office
hours, a batch committer with progress, and the one way to move clients' last visits on.
"""

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, select, update

from mrc.centres.models import Centre
from mrc.clients.demo import COUNTRY_PROFILES, OFFICE_CLOSES, OFFICE_OPENS
from mrc.clients.models import Client
from mrc.extensions import db

COMMIT_EVERY = 500
DEFAULT_WEEKEND = frozenset({5, 6})


@dataclass(frozen=True)
class ClientFacts:
    """What the generators need of one client, read once (no lazy loads per client)."""

    id: int
    centre_id: int
    sex: str
    created_at: datetime
    updated_at: datetime
    last_visit_at: datetime | None
    migration_status: str
    destination_country: str
    destination_sector: str
    consent_referral_sharing: bool
    trafficking_indication: bool
    smuggling_indication: bool
    protection_concern: bool


_FACT_COLUMNS = [getattr(Client, name) for name in ClientFacts.__dataclass_fields__]


def _client_id(client: Client | int) -> int:
    if isinstance(client, int):
        return client
    identity = inspect(client).identity  # no refresh of an expired instance
    return identity[0] if identity else client.id


def client_facts(clients: Iterable[Client | int]) -> list[ClientFacts]:
    """The facts of ``clients`` (instances or ids) in the order given, leaving out anonymised
    clients and ids that do not exist."""
    ids = list(dict.fromkeys(_client_id(client) for client in clients))
    found: dict[int, ClientFacts] = {}
    for start in range(0, len(ids), COMMIT_EVERY):
        chunk = ids[start:start + COMMIT_EVERY]
        rows = db.session.execute(
            select(*_FACT_COLUMNS).where(Client.id.in_(chunk), Client.anonymised_at.is_(None))
        )
        for row in rows:
            found[row.id] = ClientFacts(**row._mapping)
    return [found[client_id] for client_id in ids if client_id in found]


# --- the calendar -------------------------------------------------------------------------------

@dataclass(frozen=True)
class OfficeCalendar:
    """A centre's working days and hours, in its own time zone."""

    zone: ZoneInfo
    weekend: frozenset[int]
    now: datetime  # UTC, fixed for one generator run

    @classmethod
    def of(cls, centre: Centre, now: datetime | None = None) -> "OfficeCalendar":
        profile = COUNTRY_PROFILES.get(centre.country)
        return cls(ZoneInfo(centre.timezone), profile.weekend if profile else DEFAULT_WEEKEND,
                   now or datetime.now(UTC))

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def end_of_day(self, moment: datetime) -> datetime:
        local = moment.astimezone(self.zone)
        return datetime.combine(local.date(), OFFICE_CLOSES, self.zone).astimezone(UTC)

    def is_office_time(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        return (local.weekday() not in self.weekend
                and OFFICE_OPENS <= local.time().replace(tzinfo=None) <= OFFICE_CLOSES)

    def moment(self, rng: random.Random, earliest: datetime, latest: datetime, *,
               step_minutes: int = 1, last_start: time = OFFICE_CLOSES) -> datetime | None:
        """A whole minute (a multiple of ``step_minutes`` past opening) of a working day
        between ``earliest`` and ``latest``, or None when none was found."""
        if latest < earliest:
            return None
        first_day, last_day = self.local_date(earliest), self.local_date(latest)
        span_days = (last_day - first_day).days
        opening = OFFICE_OPENS.hour * 60 + OFFICE_OPENS.minute
        closing = last_start.hour * 60 + last_start.minute
        for _attempt in range(30):
            day = first_day + timedelta(days=rng.randint(0, span_days))
            if day.weekday() in self.weekend:
                continue
            minutes = opening + step_minutes * rng.randint(0, (closing - opening) // step_minutes)
            local = datetime.combine(day, time(minutes // 60, minutes % 60), self.zone)
            candidate = local.astimezone(UTC)
            if earliest <= candidate <= latest:
                return candidate
        return None


# --- writing ------------------------------------------------------------------------------------

class Batches:
    """Commits every ``COMMIT_EVERY`` added rows and reports the clients handled so far."""

    def __init__(self, progress: Callable[[int], None] | None):
        self.progress = progress
        self.pending = 0

    def add(self, rows: Sequence) -> None:
        db.session.add_all(rows)
        self.pending += len(rows)

    def client_done(self, done: int) -> None:
        if self.pending >= COMMIT_EVERY:
            self.commit(done)

    def commit(self, done: int) -> None:
        db.session.commit()
        self.pending = 0
        if self.progress is not None:
            self.progress(done)


def note_visits(facts: Sequence[ClientFacts], visits: dict[int, datetime]) -> int:
    """Move each client's last visit (and last update) on to ``visits[client id]`` where that
    is later, as the services do; returns the number of clients changed. Not committed."""
    changes = []
    for client in facts:
        seen = visits.get(client.id)
        if seen is None or (client.last_visit_at is not None and seen <= client.last_visit_at):
            continue
        changes.append({"id": client.id, "last_visit_at": seen,
                        "updated_at": max(seen, client.updated_at)})
    for start in range(0, len(changes), COMMIT_EVERY):
        db.session.execute(update(Client), changes[start:start + COMMIT_EVERY])
    return len(changes)


def pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def pick_several(rng: random.Random, weights: dict[str, float], count: int) -> list[str]:
    """``count`` different codes (fewer if there are not enough), drawn by weight."""
    left = {code: weight for code, weight in weights.items() if weight > 0}
    chosen = []
    while left and len(chosen) < count:
        code = pick(rng, left)
        chosen.append(code)
        del left[code]
    return chosen


def generate_demo_casework(centre: Centre, staff_user, seed: int, *,
                           after_client_id: int = 0) -> dict[str, int]:
    """Counselling sessions, group sessions and referrals for the clients of ``centre`` with
    ids above ``after_client_id`` (those just generated), with a progress bar each, as the
    ``demo-data`` command shows them. Partners must be seeded first."""
    from mrc.counselling.demo import generate_demo_counselling
    from mrc.group_sessions.demo import generate_demo_group_sessions
    from mrc.progress import advancing, progressbar
    from mrc.referrals.demo import generate_demo_referrals

    client_ids = list(db.session.scalars(
        select(Client.id).where(Client.centre_id == centre.id, Client.id > after_client_id)
        .order_by(Client.id)
    ))
    created = {}
    for label, generate in (("counselling", generate_demo_counselling),
                            ("group sessions", generate_demo_group_sessions),
                            ("referrals", generate_demo_referrals)):
        with progressbar(length=len(client_ids), label=f"{centre.code}: {label}") as bar:
            created[label] = generate(centre, staff_user, client_ids, seed,
                                      progress=advancing(bar))
    return created
