"""Realistic, reproducible demo counselling sessions for demo clients.

Rows are written directly in batches, not through ``mrc.counselling.services``, but keep its
rules: the session's centre is the client's, its counsellor one of the centre's, it was held
during office hours on a working day after the client registered and not in the future, codes
come from ``mrc.counselling.choices``, a follow-up date is never before the session's day, and
the client's last visit is the latest session when that is later.

What is said comes from one random stream (``plan``) and when from another (``calendar``), so
that the content does not shift when the dates do.
"""

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mrc.actor import Actor
from mrc.audit import services as audit
from mrc.auth.models import User
from mrc.centres.models import Centre
from mrc.clients.models import Client
from mrc.clients.services import counsellors_of
from mrc.counselling import choices
from mrc.counselling.models import CounsellingSession
from mrc.counselling.services import OBJECT_TYPE
from mrc.demo_casework import (
    Batches,
    ClientFacts,
    OfficeCalendar,
    client_facts,
    note_visits,
    pick,
    pick_several,
)

SESSIONS_PER_CLIENT = {"0": 22, "1": 32, "2": 24, "3": 14, "4": 8}  # mean about 1.5
FIRST_ON_REGISTRATION_DAY = 0.6
CHANNELS = {"walk_in": 55, "phone": 22, "messaging": 18, "video": 5}
MINUTES = {"walk_in": (20, 60), "phone": (10, 30), "messaging": (5, 20), "video": (15, 45)}
TOPIC_COUNT = {"1": 50, "2": 35, "3": 15}
TOPICS = {"legal_pathways": 30, "recruitment_visas": 25, "fraudulent_recruitment": 12,
          "rights_contracts": 10, "skills_training": 10, "education_abroad": 2, "remittances": 4,
          "return_reintegration": 1, "trafficking_smuggling": 2, "other": 3}
FOLLOW_UP_SHARE = 0.4
FOLLOW_UP_DAYS = (2, 21)
DONE_WHEN_PAST = 0.85  # the rest of the follow-ups whose date has passed are overdue
DONE_EARLY = 0.1
OWN_COUNSELLOR = 0.85
EU = frozenset({"DE", "IT", "RO", "GR", "SE", "NL", "FI", "HU", "ES", "FR", "BE", "PL", "AT",
                "PT", "IE", "CZ", "LT", "EE"})
SEASONAL = frozenset({"KR", "JP", "RO", "GR", "IT"})

NOTES = {
    "legal_pathways": ("Went through the regular routes to work abroad and the documents "
                       "each needs."),
    "recruitment_visas": "Explained how to check a work visa and the recruitment fees allowed.",
    "fraudulent_recruitment": ("Looked at an offer received through an agent; showed how to "
                               "verify the recruiter's licence."),
    "rights_contracts": "Read the employment contract together: salary, hours, leave, return.",
    "skills_training": "Discussed trade testing and certified training before departure.",
    "education_abroad": "Explained admission, student visas and scholarships.",
    "remittances": "Compared formal ways of sending money home and their fees.",
    "return_reintegration": "Talked about finding work and support after return.",
    "trafficking_smuggling": ("Explained the risks of irregular routes and where to report "
                              "them; agreed to stay in touch."),
    "other": "General questions answered.",
}


@dataclass
class _Draft:
    """A session's content, drawn before its date."""

    counsellor_id: int
    channel: str
    minutes: int
    topics: list[str]
    pathways: list[str]
    notes: str
    follow_up_days: int | None
    done_draw: float


def _topic_weights(client: ClientFacts) -> dict[str, float]:
    weights = dict(TOPICS)
    if client.destination_sector == "study":
        weights["education_abroad"] = 40
    if client.migration_status == "returnee":
        weights["return_reintegration"] = 40
        weights["remittances"] = 10
    if client.trafficking_indication or client.smuggling_indication:
        weights["trafficking_smuggling"] = 40
    return weights


def _pathways(rng: random.Random, client: ClientFacts, country: str) -> list[str]:
    draw = rng.random()
    if draw < 0.15:
        return []  # not recorded
    if draw < 0.4:
        return [choices.NO_PATHWAY]
    study = client.destination_sector == "study"
    weights = {
        "government_channel": 40 if country in ("PK", "BD") and not study else 5,
        "talent_partnership": 30 if client.destination_country in EU else 3,
        "study_abroad": 50 if study else 2,
        "seasonal_circular": 15 if client.destination_country in SEASONAL else 3,
        "family_reunification": 12 if client.migration_status == "family_member" else 2,
    }
    return pick_several(rng, weights, 1 if rng.random() < 0.7 else 2)


def _in_order(codes: list[str], vocabulary) -> list[str]:
    order = [value for value, _label in vocabulary]
    return sorted(codes, key=order.index)


def _draft(rng: random.Random, client: ClientFacts, country: str, first: bool,
           own: User, others: Sequence[User]) -> _Draft:
    counsellor = own if not others or rng.random() < OWN_COUNSELLOR else rng.choice(others)
    channel = "walk_in" if first and rng.random() < 0.8 else pick(rng, CHANNELS)
    low, high = MINUTES[channel]
    topics = pick_several(rng, _topic_weights(client), int(pick(rng, TOPIC_COUNT)))
    notes = NOTES[topics[0]] if rng.random() < 0.7 else ""
    follow_up_days = rng.randint(*FOLLOW_UP_DAYS) if rng.random() < FOLLOW_UP_SHARE else None
    return _Draft(
        counsellor_id=counsellor.id,
        channel=channel,
        minutes=5 * round(rng.randint(low, high) / 5),
        topics=_in_order(topics, choices.TOPICS),
        pathways=_in_order(_pathways(rng, client, country), choices.PATHWAYS),
        notes=notes,
        follow_up_days=follow_up_days,
        done_draw=rng.random(),
    )


def _held_times(rng: random.Random, calendar: OfficeCalendar, client: ClientFacts,
                count: int) -> list[datetime]:
    times = []
    for index in range(count):
        latest = calendar.now
        if index == 0 and rng.random() < FIRST_ON_REGISTRATION_DAY:
            latest = min(latest, calendar.end_of_day(client.created_at))
        held_at = calendar.moment(rng, client.created_at, latest)
        if held_at is not None:
            times.append(held_at)
    return sorted(times)


def _follow_up(rng: random.Random, calendar: OfficeCalendar, draft: _Draft,
               held_at: datetime) -> tuple[date | None, datetime | None]:
    if draft.follow_up_days is None:
        return None, None
    due = calendar.local_date(held_at) + timedelta(days=draft.follow_up_days)
    done = draft.done_draw < (DONE_WHEN_PAST if due < calendar.today else DONE_EARLY)
    if not done:
        return due, None
    # Done on or a few days after the due date (or early), never in the future.
    by = min(calendar.now, calendar.end_of_day(held_at) + timedelta(
        days=draft.follow_up_days + 3))
    done_at = calendar.moment(rng, held_at + timedelta(minutes=draft.minutes), by)
    return due, done_at


def generate_demo_counselling(centre: Centre, staff_user: User, clients: Sequence[Client | int],
                              seed: int, progress: Callable[[int], None] | None = None) -> int:
    """Log 0 to 4 counselling sessions (about 1.5 on average) with each of ``clients`` of
    ``centre``, deterministic for a given seed; returns the number of sessions created.

    Most are held by ``staff_user``, some by the centre's other counsellors and managers.
    ``progress`` is called with the number of clients handled so far after each commit.
    """
    facts = [client for client in client_facts(clients) if client.centre_id == centre.id]
    plan = random.Random(f"{seed}-{centre.code}-counselling")
    dates = random.Random(f"{seed}-{centre.code}-counselling-calendar")
    calendar = OfficeCalendar.of(centre)
    others = [user for user in counsellors_of(centre.id) if user.id != staff_user.id]
    batches = Batches(progress)
    visits: dict[int, datetime] = {}
    created = 0
    for done, client in enumerate(facts, 1):
        count = int(pick(plan, SESSIONS_PER_CLIENT))
        drafts = [_draft(plan, client, centre.country, index == 0, staff_user, others)
                  for index in range(count)]
        rows = []
        for draft, held_at in zip(drafts, _held_times(dates, calendar, client, count),
                                  strict=False):
            follow_up_on, done_at = _follow_up(dates, calendar, draft, held_at)
            logged_at = min(calendar.now, held_at + timedelta(minutes=draft.minutes))
            rows.append(CounsellingSession(
                centre_id=client.centre_id,
                client_id=client.id,
                counsellor_id=draft.counsellor_id,
                held_at=held_at,
                channel=draft.channel,
                duration_minutes=draft.minutes,
                topics=" ".join(draft.topics),
                pathways=" ".join(draft.pathways),
                notes=draft.notes,
                follow_up_on=follow_up_on,
                follow_up_done_at=done_at,
                created_by_id=draft.counsellor_id,
                created_at=logged_at,
                updated_at=max(logged_at, done_at) if done_at else logged_at,
            ))
            visits[client.id] = max(held_at, visits.get(client.id, held_at))
        batches.add(rows)
        created += len(rows)
        batches.client_done(done)
    note_visits(facts, visits)
    audit.record(Actor(staff_user, "cli"), "create", object_type=OBJECT_TYPE,
                 centre_id=centre.id, summary=f"demo data: {created} counselling sessions")
    batches.commit(len(facts))
    return created
