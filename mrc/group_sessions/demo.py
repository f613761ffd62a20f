"""Realistic, reproducible demo group sessions (pre-departure orientations, awareness sessions,
community outreach) for a centre's demo clients.

Rows are written directly in batches, not through ``mrc.group_sessions.services``, but keep
its rules: kinds, venue types and topics from ``mrc.group_sessions.choices``, a destination
for every pre-departure orientation, a partner only if the centre may choose it, attendees only
clients of the session's centre (registered by then), head counts by sex and age group, and
the attendees' last visit moved on to the session's start when that is later. A couple of
sessions are still to come (without attendees), as on a real home page.
"""

import math
import random
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time, timedelta

from mrc.actor import Actor
from mrc.audit import services as audit
from mrc.auth.models import User
from mrc.centres.models import Centre
from mrc.clients.demo import COUNTRY_PROFILES
from mrc.clients.models import Client
from mrc.extensions import db
from mrc.demo_casework import Batches, OfficeCalendar, client_facts, note_visits, pick
from mrc.group_sessions import choices
from mrc.group_sessions.models import GroupSession, GroupSessionAttendee, GroupSessionHeadCount
from mrc.partners.services import partners_for_centre

ATTEND_SHARE = 0.3
SECOND_SESSION_SHARE = 0.1
REGISTERED_PER_SESSION = 6  # on average; most participants are only counted
UPCOMING = 2
KINDS = {"pdo": 45, "awareness": 35, "outreach": 20}
SAME_DESTINATION = 0.7  # attendees of a pre-departure orientation heading where it is about
PARTNER_SHARE = 0.35
LAST_START = time(15, 0)
HEAD_COUNT = {"pdo": (3, 20), "awareness": (8, 40), "outreach": (15, 80)}
AGE_GROUPS = {"under_18": 5, "18_24": 35, "25_34": 35, "35_49": 15, "50_plus": 3, "": 7}
OTHER_SEX_SHARE = 0.005
TOPICS = {
    "pdo": ("legal_pathways", "rights_contracts", "recruitment_visas", "remittances"),
    "awareness": ("fraudulent_recruitment", "trafficking_smuggling", "legal_pathways",
                  "recruitment_visas"),
    "outreach": ("legal_pathways", "fraudulent_recruitment", "trafficking_smuggling",
                 "skills_training"),
}
VENUE_TYPES = {
    "pdo": {"centre": 60, "protectorate": 40},
    "awareness": {"centre": 25, "technical_school": 35, "university": 25, "community": 15},
    "outreach": {"community": 80, "technical_school": 10, "university": 10},
}
VENUES = {
    "protectorate": ("Protectorate of Emigrants, {city}",),
    "technical_school": ("Government Technical Training Centre, {city}",
                         "Government College of Technology, {city}",
                         "Vocational Training Institute, {city}"),
    "university": ("University of {city}", "Institute of Technology, {city}"),
    "community": ("Community hall, {city}", "Union council hall near {city}",
                  "Mosque community room, {city}", "Youth centre, {city}"),
}


# A past session is held at most this many days after the registration it is drawn from.
SESSION_WITHIN_DAYS = 30


def _venue(rng: random.Random, centre: Centre, kind: str) -> tuple[str, str]:
    weights = dict(VENUE_TYPES[kind])
    if centre.country != "PK":
        weights.pop("protectorate", None)  # Protectorates of Emigrants are Pakistani
    venue_type = pick(rng, weights)
    if venue_type == "centre":
        return centre.name, venue_type
    return rng.choice(VENUES[venue_type]).format(city=centre.city), venue_type


def _head_counts(rng: random.Random, kind: str, male_share: float) -> Counter:
    counts: Counter = Counter()
    for _person in range(rng.randint(*HEAD_COUNT[kind])):
        draw = rng.random()
        sex = "other" if draw < OTHER_SEX_SHARE else "male" if draw < male_share else "female"
        age_group = pick(rng, AGE_GROUPS) or None
        counts[(sex, age_group)] += 1
    return counts


def _starts(rng: random.Random, calendar: OfficeCalendar, earliest: datetime,
            latest: datetime) -> datetime | None:
    return calendar.moment(rng, earliest, latest, step_minutes=30, last_start=LAST_START)


def generate_demo_group_sessions(centre: Centre, staff_user: User,
                                 clients: Sequence[Client | int], seed: int,
                                 progress: Callable[[int], None] | None = None) -> int:
    """Run group sessions at ``centre`` that about 30% of ``clients`` attended, deterministic
    for a given seed; returns the number of sessions created.

    ``progress`` is called with the number of clients handled so far after each commit.
    """
    facts = [client for client in client_facts(clients) if client.centre_id == centre.id]
    plan = random.Random(f"{seed}-{centre.code}-group-sessions")
    dates = random.Random(f"{seed}-{centre.code}-group-sessions-calendar")
    attendance = random.Random(f"{seed}-{centre.code}-group-sessions-attendance")
    calendar = OfficeCalendar.of(centre)
    profile = COUNTRY_PROFILES.get(centre.country)
    male_share = profile.male_share if profile else 0.5
    partners = partners_for_centre(staff_user, centre)
    batches = Batches(progress)
    if not facts:
        audit.record(Actor(staff_user, "cli"), "create", object_type="group_session",
                     centre_id=centre.id, summary="demo data: 0 group sessions")
        batches.commit(0)
        return 0

    # The sessions: the past ones within a month after a registration (so they fall when the
    # centre's clients came, and every client has sessions to attend whatever day "now" is),
    # then a few to come.
    past_count = max(2, math.ceil(ATTEND_SHARE * len(facts) / REGISTERED_PER_SESSION))
    registered = sorted(client.created_at for client in facts)
    starts = [_starts(dates, calendar, earliest,
                      min(calendar.now, earliest + timedelta(days=SESSION_WITHIN_DAYS)))
              for earliest in (dates.choice(registered) for _ in range(past_count))]
    tomorrow = datetime.combine(calendar.today + timedelta(days=1), time.min,
                                calendar.zone).astimezone(UTC)
    starts += [_starts(dates, calendar, tomorrow, tomorrow + timedelta(days=14))
               for _ in range(UPCOMING)]
    starts = sorted(start for start in starts if start is not None)

    sessions: list[GroupSession] = []
    counted: list[Counter] = []
    for starts_at in starts:
        kind = pick(plan, KINDS)
        venue, venue_type = _venue(plan, centre, kind)
        topics = plan.sample(TOPICS[kind], k=plan.randint(2, 3))
        partner = plan.choice(partners) if partners and plan.random() < PARTNER_SHARE else None
        destination = pick(plan, profile.destinations) if kind == choices.PDO and profile else (
            "SA" if kind == choices.PDO else "")
        scheduled_at = min(calendar.now, starts_at) - timedelta(days=plan.randint(2, 14))
        group_session = GroupSession(
            centre_id=centre.id,
            kind=kind,
            starts_at=starts_at,
            venue=venue,
            venue_type=venue_type,
            partner_id=partner.id if partner else None,
            facilitators=staff_user.display_name + (f", {partner.name}" if partner else ""),
            topics=" ".join(code for code, _label in choices.TOPICS if code in topics),
            destination_country=destination,
            notes="",
            created_by_id=staff_user.id,
            created_at=scheduled_at,
            updated_at=scheduled_at,
        )
        sessions.append(group_session)
        counted.append(_head_counts(plan, kind, male_share) if starts_at <= calendar.now
                       else Counter())
    batches.add(sessions)
    db.session.flush()  # the sessions' ids, for their head counts and attendees
    for group_session, counts in zip(sessions, counted, strict=True):
        batches.add([
            GroupSessionHeadCount(centre_id=centre.id, group_session_id=group_session.id,
                                  sex=sex, age_group=age_group, count=count)
            for (sex, age_group), count in sorted(
                counts.items(), key=lambda item: (item[0][0], item[0][1] or ""))
        ])

    # The attendees: clients registered by the session's start, of the sessions held so far.
    held = [(s.id, s.starts_at, s.kind, s.destination_country)
            for s in sessions if s.starts_at <= calendar.now]
    held_starts = [starts_at for _id, starts_at, _kind, _destination in held]
    visits: dict[int, datetime] = {}
    attendees = 0
    for done, client in enumerate(facts, 1):
        if attendance.random() < ATTEND_SHARE:
            times = 2 if attendance.random() < SECOND_SESSION_SHARE else 1
            open_to_them = held[bisect_left(held_starts, client.created_at):]
            rows = []
            for _time in range(min(times, len(open_to_them))):
                same_destination = [
                    session for session in open_to_them
                    if session[2] == choices.PDO and session[3] == client.destination_country
                ]
                if same_destination and attendance.random() < SAME_DESTINATION:
                    chosen = attendance.choice(same_destination)
                else:
                    chosen = attendance.choice(open_to_them)
                open_to_them = [session for session in open_to_them if session is not chosen]
                session_id, starts_at, _kind, _destination = chosen
                rows.append(GroupSessionAttendee(
                    centre_id=centre.id,
                    group_session_id=session_id,
                    client_id=client.id,
                    added_by_id=staff_user.id,
                    added_at=min(calendar.now, starts_at + timedelta(minutes=5)),
                ))
                visits[client.id] = max(starts_at, visits.get(client.id, starts_at))
            batches.add(rows)
            attendees += len(rows)
        batches.client_done(done)
    note_visits(facts, visits)
    audit.record(Actor(staff_user, "cli"), "create", object_type="group_session",
                 centre_id=centre.id, summary=f"demo data: {len(sessions)} group sessions, "
                                              f"{attendees} attendees")
    batches.commit(len(facts))
    return len(sessions)
