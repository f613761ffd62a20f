"""Realistic, reproducible demo referrals for a centre's demo clients.

Rows are written directly in batches, not through ``mrc.referrals.services``, but keep its
rules: only clients who agreed to sharing with partners are referred (no consent overrides),
only to active partners that serve the centre (its own or its country's national partners;
run ``seed_partners`` first) for a service the partner offers, the follow-up date is never
before the day the referral was made, the status moves only along ``ALLOWED_TRANSITIONS`` with
one ``ReferralStatusChange`` per move stamped in order and never in the future, and completed
referrals have an outcome. Recent referrals are often still open, some past their follow-up.
"""

import random
from collections.abc import Callable, Sequence
from datetime import timedelta

from mrc.actor import Actor
from mrc.audit import services as audit
from mrc.auth.models import User
from mrc.centres.models import Centre
from mrc.clients.models import Client
from mrc.demo_casework import Batches, ClientFacts, OfficeCalendar, client_facts, pick
from mrc.partners.services import partners_for_centre
from mrc.referrals.models import Referral, ReferralStatusChange
from mrc.referrals.services import ALLOWED_TRANSITIONS, DEFAULT_FOLLOW_UP_DAYS, INITIAL_STATUS

REFERRED_SHARE = 0.2  # of those who agreed to sharing (about 3 in 4): about 15% of clients
# Where a referral ends up, if time allows; a step that would fall in the future has not
# happened yet.
PATHS = {
    "accepted completed": 45,
    "accepted": 12,
    "": 5,
    "declined": 8,
    "no_show": 8,
    "lost_to_follow_up": 6,
    "withdrawn": 4,
    "accepted no_show": 5,
    "accepted lost_to_follow_up": 4,
    "accepted withdrawn": 3,
}
STEP_DAYS = (1, 21)
MOVED_FOLLOW_UP = 0.5  # open referrals whose passed follow-up date a counsellor moved on
URGENCY = {"routine": 88, "urgent": 10, "emergency": 2}
URGENCY_TRAFFICKING = {"routine": 20, "urgent": 60, "emergency": 20}

REASONS = {
    "emigration_registration": "Has a job offer and needs to register before departure.",
    "recruiter_verification": "Wants the licence of the recruiting agent checked.",
    "public_recruitment": "Interested in vacancies through the public recruitment agency.",
    "skills_training": "Needs a recognised trade certificate for the jobs they apply for.",
    "language_training": "Needs the language of the destination country for the job.",
    "education_abroad": "Wants to study abroad and needs guidance on admissions.",
    "legal_aid": "Unpaid wages and a contract dispute with a former employer abroad.",
    "trafficking_complaint": "Recruiter kept the passport and asked for more money.",
    "psychosocial": "Distressed after a difficult return; agreed to talk to someone.",
    "health": "Needs the medical examination required for the visa.",
    "welfare": "Family in difficulty while the migrant is abroad.",
    "reintegration": "Returned recently and looking for work or a small business.",
    "displacement": "Returned to a place of displacement; needs documents and support.",
}
OUTCOMES = {
    "emigration_registration": "Registered; emigration clearance given.",
    "recruiter_verification": "Licence checked: the agent is licensed.",
    "public_recruitment": "Registered in the database; invited to an interview.",
    "skills_training": "Enrolled in a certified course.",
    "language_training": "Enrolled in a language course.",
    "education_abroad": "Received guidance on admissions and scholarships.",
    "legal_aid": "A lawyer took up the case.",
    "trafficking_complaint": "Complaint registered by the investigating agency.",
    "psychosocial": "Attended counselling sessions.",
    "health": "Examination done.",
    "welfare": "Support approved for the family.",
    "reintegration": "Joined the reintegration programme.",
    "displacement": "Documents renewed; support received.",
}
NOTES = {
    "accepted": "Partner confirmed an appointment.",
    "completed": "Partner reported back.",
    "declined": "Partner could not take the case.",
    "no_show": "Did not go to the appointment.",
    "lost_to_follow_up": "Could not be reached by phone.",
    "withdrawn": "No longer wants the service.",
}


def _service_weight(client: ClientFacts, service: str) -> float:
    flagged = client.trafficking_indication or client.smuggling_indication
    if service == "trafficking_complaint":
        return 20 if flagged else 0.3
    weight = 1.0
    if client.migration_status == "returnee" and service in (
            "reintegration", "welfare", "displacement", "psychosocial"):
        weight *= 8
    if client.migration_status in ("potential", "intending", "outgoing") and service in (
            "emigration_registration", "recruiter_verification", "public_recruitment"):
        weight *= 4
    if client.destination_sector == "study" and service in ("education_abroad",
                                                            "language_training"):
        weight *= 8
    if client.destination_sector not in ("", "study") and service == "skills_training":
        weight *= 3
    return weight


def _urgency(rng: random.Random, service: str) -> str:
    return pick(rng, URGENCY_TRAFFICKING if service == "trafficking_complaint" else URGENCY)


def _referral(plan: random.Random, dates: random.Random, calendar: OfficeCalendar,
              client: ClientFacts, pairs: list[tuple[int, str]], staff_user: User
              ) -> Referral | None:
    partner_id, service = plan.choices(
        pairs, weights=[_service_weight(client, service) for _partner, service in pairs])[0]
    urgency = _urgency(plan, service)
    path = pick(plan, PATHS).split()
    gaps = [plan.randint(*STEP_DAYS) for _step in path]
    moved_follow_up = plan.random() < MOVED_FOLLOW_UP
    moved_days = plan.randint(1, 10)

    made_at = calendar.moment(dates, client.created_at, calendar.now)
    if made_at is None:
        return None
    follow_up_due = calendar.local_date(made_at) + timedelta(days=DEFAULT_FOLLOW_UP_DAYS)
    referral = Referral(
        centre_id=client.centre_id, client_id=client.id, partner_id=partner_id,
        service=service, reason=REASONS.get(service, "Needs the partner's service."),
        urgency=urgency, status=INITIAL_STATUS, follow_up_due=follow_up_due, outcome="",
        created_by_id=staff_user.id, created_at=made_at, updated_at=made_at,
        consent_override_reason=None, consent_override_by_id=None,
    )
    last = made_at
    for to_status, gap in zip(path, gaps, strict=True):
        changed_at = calendar.moment(dates, last + timedelta(minutes=10),
                                     last + timedelta(days=gap))
        if changed_at is None or changed_at > calendar.now:
            break  # has not happened yet
        if to_status not in ALLOWED_TRANSITIONS[referral.status]:
            raise AssertionError(f"demo path {path} breaks ALLOWED_TRANSITIONS")
        referral.changes.append(ReferralStatusChange(
            centre_id=referral.centre_id, from_status=referral.status, to_status=to_status,
            note=NOTES.get(to_status, "") if plan.random() < 0.6 else "",
            changed_by_id=staff_user.id, changed_at=changed_at,
        ))
        referral.status = to_status
        if to_status == "completed":
            referral.outcome = OUTCOMES.get(service, "Service received.")
        referral.updated_at = last = changed_at
    if (ALLOWED_TRANSITIONS[referral.status] and moved_follow_up
            and referral.follow_up_due < calendar.today):
        referral.follow_up_due = calendar.today + timedelta(days=moved_days)
    return referral


def generate_demo_referrals(centre: Centre, staff_user: User, clients: Sequence[Client | int],
                            seed: int, progress: Callable[[int], None] | None = None) -> int:
    """Refer about one in five of ``clients`` who agreed to sharing with partners to a partner
    that serves ``centre``, deterministic for a given seed; returns the number of referrals.

    ``progress`` is called with the number of clients handled so far after each commit.
    """
    facts = [client for client in client_facts(clients) if client.centre_id == centre.id]
    plan = random.Random(f"{seed}-{centre.code}-referrals")
    dates = random.Random(f"{seed}-{centre.code}-referrals-calendar")
    calendar = OfficeCalendar.of(centre)
    pairs = [(partner.id, service) for partner in partners_for_centre(staff_user, centre)
             for service in partner.service_codes]  # ids: partners expire at each commit
    batches = Batches(progress)
    created = 0
    for done, client in enumerate(facts, 1):
        if pairs and client.consent_referral_sharing and plan.random() < REFERRED_SHARE:
            referral = _referral(plan, dates, calendar, client, pairs, staff_user)
            if referral is not None:
                batches.add([referral, *referral.changes])
                created += 1
        batches.client_done(done)
    audit.record(Actor(staff_user, "cli"), "create", object_type="referral",
                 centre_id=centre.id, summary=f"demo data: {created} referrals")
    batches.commit(len(facts))
    return created
