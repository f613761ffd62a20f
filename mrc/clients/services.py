"""The client registry: register, update, view, search and duplicate candidates.

Every function takes the acting user, scopes through ``mrc.security.scoped``, writes the audit
event and commits (or leaves nothing behind on error).
"""

import re
from dataclasses import dataclass, field, fields
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from mrc.actor import Actor
from mrc.audit import services as audit
from mrc.auth.models import Role, User
from mrc.centres.models import Centre
from mrc.centres.services import centre_today
from mrc.clients import matching
from mrc.clients.models import Client, ClientReferenceCounter, ClientSearchKey
from mrc.clients.search_keys import (
    identifier_key,
    keys_for,
    name_sound_keys,
    name_words,
    phone_key_candidates,
    spelling_variants,
    typo_keys,
)
from mrc.database import utcnow
from mrc.extensions import db
from mrc.i18n import normalise_digits
from mrc.security import SENSITIVE_CLIENT_FIELDS, can_see_sensitive, scoped

SENSITIVE_FIELDS = SENSITIVE_CLIENT_FIELDS
# What the protected part of the client page and form shows, by field name (for the audit log).
PROTECTED_SECTION = ("assigned_counsellor_id", *SENSITIVE_CLIENT_FIELDS)


@dataclass
class ClientData:
    """Everything a counsellor types about a client, already validated by the form."""

    given_name: str
    sex: str
    nationality: str
    migration_status: str
    birth_year: int
    family_name: str = ""
    given_name_native: str = ""
    family_name_native: str = ""
    father_name: str = ""
    date_of_birth: date | None = None
    national_id: str = ""
    phone: str = ""
    province: str = ""
    district: str = ""
    education: str = ""
    occupation: str = ""
    skills: str = ""
    languages: str = ""
    destination_country: str = ""
    destination_sector: str = ""
    heard_about: str = ""
    consent_services: bool = False
    consent_follow_up: bool = False
    consent_referral_sharing: bool = False
    consent_statistics: bool = False
    assigned_counsellor_id: int | None = None
    trafficking_indication: bool = False
    smuggling_indication: bool = False
    protection_concern: bool = False

    @classmethod
    def from_client(cls, client: Client) -> "ClientData":
        return cls(**{f.name: getattr(client, f.name) for f in fields(cls)})


class ConsentMissing(ValueError):
    pass


@dataclass
class DuplicateCandidate:
    client: Client
    reasons: list[str] = field(default_factory=list)
    score: int = 0


class PossibleDuplicates(Exception):
    """Registration stopped because people who may be the same person already exist."""

    def __init__(self, candidates: list[DuplicateCandidate]):
        super().__init__(f"{len(candidates)} possible duplicates")
        self.candidates = candidates


# --- who may see what -------------------------------------------------------------------------

def counsellors_of(centre_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.centre_id == centre_id, User.active.is_(True),
                   User.role.in_([Role.COUNSELLOR, Role.MANAGER]))
            .order_by(User.display_name)
        )
    )


# --- references -------------------------------------------------------------------------------

def next_reference(centre: Centre, year: int) -> str:
    """``LHR-2026-000123``: the next number of the centre's year, safe under concurrency."""

    def bump():
        return db.session.execute(
            update(ClientReferenceCounter)
            .where(ClientReferenceCounter.centre_id == centre.id,
                   ClientReferenceCounter.year == year)
            .values(last_number=ClientReferenceCounter.last_number + 1)
            .returning(ClientReferenceCounter.last_number)
        ).scalar()

    number = bump()
    if number is None:
        try:
            with db.session.begin_nested():
                db.session.add(ClientReferenceCounter(centre_id=centre.id, year=year, last_number=1))
            number = 1
        except IntegrityError:  # another request created the counter first
            number = bump()
    return f"{centre.code}-{year}-{number:06d}"


# --- writing ----------------------------------------------------------------------------------

def _refresh_search_keys(client: Client) -> None:
    client.search_keys.clear()
    db.session.flush()
    wanted = keys_for(
        names=[client.full_name, client.full_name_native],
        phone_e164=client.phone,
        national_id=client.national_id,
        father_name=client.father_name,
    )
    client.search_keys.extend(ClientSearchKey(kind=kind, value=value) for kind, value in wanted)


def _apply(client: Client, data: ClientData, *, with_sensitive: bool) -> list[str]:
    changed = []
    for f in fields(ClientData):
        if f.name in SENSITIVE_FIELDS or f.name == "assigned_counsellor_id":
            if not with_sensitive:
                continue
        value = getattr(data, f.name)
        if getattr(client, f.name) != value:
            setattr(client, f.name, value)
            changed.append(f.name)
    return changed


def register_client(actor: Actor, data: ClientData, *, confirmed_new: bool = False) -> Client:
    """Register a client at the actor's centre.

    Raises ``ConsentMissing`` when the person did not agree to their data being recorded, and
    ``PossibleDuplicates`` when similar people exist and the counsellor has not confirmed that
    this is a new person. Nothing is saved in either case.
    """
    user = actor.user
    if user.centre is None:
        raise ConsentMissing(_l("Only staff of a centre can register clients."))
    if not data.consent_services:
        raise ConsentMissing(
            _l("The person must agree to their data being recorded before anything is saved.")
        )
    if not confirmed_new:
        candidates = find_duplicates(actor, data)
        if candidates:
            raise PossibleDuplicates(candidates)
    centre = user.centre
    today = centre_today(centre)
    client = Client(
        reference=next_reference(centre, today.year),
        centre_id=centre.id,
        consent_date=today,
        consent_recorded_by_id=user.id,
        created_by_id=user.id,
        last_visit_at=utcnow(),
    )
    _apply(client, data, with_sensitive=True)
    if client.assigned_counsellor_id is None:
        client.assigned_counsellor_id = user.id
    db.session.add(client)
    _refresh_search_keys(client)
    db.session.flush()
    audit.record(actor, "create", object_type="client", object_id=client.id,
                 centre_id=client.centre_id,
                 summary="registered" + (" after duplicate warning" if confirmed_new else ""))
    db.session.commit()
    return client


def update_client(actor: Actor, client: Client, data: ClientData) -> list[str]:
    """Save changes to a client the actor can see; returns the names of the changed fields."""
    if not data.consent_services:
        raise ConsentMissing(
            _l("The person must agree to their data being recorded before anything is saved.")
        )
    # Someone who may not see the flags cannot change (or clear) them either.
    changed = _apply(client, data, with_sensitive=can_see_sensitive(actor.user, client))
    if changed:
        from mrc.clients.privacy import record_corrections  # imported late: it imports us

        record_corrections(actor, client, changed)  # before the next flush: reads old values
        _refresh_search_keys(client)
        audit.record(actor, "update", object_type="client", object_id=client.id,
                     centre_id=client.centre_id, summary="changed: " + ", ".join(changed))
    db.session.commit()
    return changed


def view_client(actor: Actor, client: Client) -> bool:
    """Record that the actor opened the client's record; True when the page may show the
    protected section (``mrc.security.can_see_sensitive``), whose view is recorded as well."""
    audit.record(actor, "view", object_type="client", object_id=client.id,
                 centre_id=client.centre_id)
    with_sensitive = can_see_sensitive(actor.user, client)
    if with_sensitive:
        record_sensitive_view(actor, client, PROTECTED_SECTION)
    db.session.commit()
    return with_sensitive


def record_sensitive_view(actor: Actor, client: Client, field_names) -> None:
    """Add a ``view_sensitive`` audit event naming the fields shown (never their values)."""
    audit.record(actor, "view_sensitive", object_type="client", object_id=client.id,
                 centre_id=client.centre_id, summary="fields: " + ", ".join(field_names))


# --- finding ----------------------------------------------------------------------------------

_REFERENCE = re.compile(r"^[A-Za-z]{3}-\d{4}-\d{1,6}$")
_NUMBERISH = re.compile(r"^[\d\s+()./-]+$")


def _has_key(kind: str, *conditions):
    # "id IN (ids found in the key index)" rather than a correlated EXISTS: the database then
    # starts from the matching keys instead of testing every client of the centre.
    return Client.id.in_(
        select(ClientSearchKey.client_id).where(ClientSearchKey.kind == kind, *conditions)
    )


def _name_prefix(word: str):
    # A prefix range keeps this an index range scan on (kind, value) in both databases.
    return _has_key("name", ClientSearchKey.value >= word, ClientSearchKey.value < word + "\U0010ffff")


@dataclass
class SearchPlan:
    """What a search term asks for: the WHERE condition, the kind of search (for the audit
    summary) and the ORDER BY that puts the closest matches first."""

    condition: object
    kind: str
    order_by: list = field(default_factory=list)


def search_plan(term: str, default_region: str) -> SearchPlan | None:
    """How to search for ``term``; None when it holds nothing to search for.

    A reference finds that client; a term of digits finds phones (any format) and ID numbers;
    anything else finds clients whose names have words starting with every typed word, or whose
    names sound the same in any script ("mohammed usman" finds "محمد عثمان"); the first kind
    comes first.
    """
    term = normalise_digits(term).strip()
    recent_first = [Client.last_visit_at.desc(), Client.id.desc()]
    if _REFERENCE.match(term):
        return SearchPlan(Client.reference == term.upper(), "reference", recent_first)
    if _NUMBERISH.match(term) and len(re.sub(r"\D", "", term)) >= 5:
        phone_keys = phone_key_candidates(term, default_region)
        conditions = [_has_key("phone", ClientSearchKey.value.in_(phone_keys))] if phone_keys else []
        conditions.append(_has_key("nid", ClientSearchKey.value == identifier_key(term)))
        return SearchPlan(or_(*conditions), "number", recent_first)
    words = name_words(term)
    if not words:
        return None
    spelled = and_(*[_name_prefix(word) for word in words])
    # Each reading of the term ("kadhim" is also "kazim") with all its sound keys.
    readings = [[key for key in name_sound_keys(variant) if len(key) >= 2]
                for variant in spelling_variants(term)]
    readings = [sounds for sounds in readings if sounds]
    if not readings:
        return SearchPlan(spelled, "name", recent_first)
    sounding = or_(*[and_(*[_has_key("sound", ClientSearchKey.value == key) for key in sounds])
                     for sounds in readings])
    return SearchPlan(or_(spelled, sounding), "name",
                      [case((spelled, 0), else_=1), *recent_first])


def search_clients(actor: Actor, term: str, *, page: int, per_page: int):
    """A page of clients in the actor's scope matching ``term``, most recently seen first."""
    region = actor.user.centre.country if actor.user.centre else "PK"
    plan = search_plan(term, region)
    if plan is None:
        return None
    statement = (
        scoped(Client, actor.user)
        .where(plan.condition, Client.anonymised_at.is_(None))
        .order_by(*plan.order_by)
    )
    result = db.paginate(statement, page=page, per_page=per_page, error_out=False, count=True)
    # Never the term itself: it is personal data.
    audit.record(actor, "search", object_type="client",
                 summary=f"by {plan.kind}; {result.total} found; page {page}")
    db.session.commit()
    return result


def list_clients(actor: Actor, *, page: int, per_page: int):
    statement = (
        scoped(Client, actor.user)
        .where(Client.anonymised_at.is_(None), Client.merged_into_id.is_(None))
        .order_by(Client.last_visit_at.desc(), Client.id.desc())
    )
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def recent_clients(actor: Actor, limit: int = 10) -> list[Client]:
    """Clients this user registered or updated most recently."""
    statement = (
        scoped(Client, actor.user)
        .where(or_(Client.created_by_id == actor.user.id,
                   Client.assigned_counsellor_id == actor.user.id),
               Client.merged_into_id.is_(None))
        .order_by(Client.updated_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(statement))


def registered_today_count(actor: Actor) -> int:
    centre = actor.user.centre
    if centre is None:
        return 0
    from mrc.centres.services import centre_now

    start = centre_now(centre).replace(hour=0, minute=0, second=0, microsecond=0)
    statement = scoped(Client, actor.user).where(Client.created_at >= start)
    return db.session.scalar(select(func.count()).select_from(statement.subquery()))


MAX_DUPLICATE_CANDIDATES = 10
_GATHERED_PER_RULE = 50


def find_duplicates(actor: Actor, data: ClientData, *, exclude_id: int | None = None
                    ) -> list[DuplicateCandidate]:
    """People in the actor's scope who may be the person described by ``data``, best first,
    each with the reasons it matched (``mrc.clients.matching``).

    Candidates are gathered through the key index only — the same phone, the same national ID;
    or, with a birth year within one year: the same name words, the same sound keys (any
    spelling, any script), all sound keys but one the same and that one a typing mistake away
    (``typo`` keys), or the same father's name and one name word sounding the same. They are
    then scored; only those with enough evidence are returned (at most
    ``MAX_DUPLICATE_CANDIDATES``), so that a common name alone does not flood the warning.
    """
    region = actor.user.centre.country if actor.user.centre else "PK"
    gathered: set[int] = set()

    def gather(condition) -> None:
        statement = (scoped(Client, actor.user)
                     .where(condition, Client.anonymised_at.is_(None))
                     .with_only_columns(Client.id)
                     .limit(_GATHERED_PER_RULE))
        if exclude_id is not None:
            statement = statement.where(Client.id != exclude_id)
        gathered.update(db.session.scalars(statement))

    def has_sound(key: str):
        return _has_key("sound", ClientSearchKey.value == key)

    phone_keys = phone_key_candidates(data.phone, region) if data.phone else []
    if phone_keys:
        gather(_has_key("phone", ClientSearchKey.value.in_(phone_keys)))
    if data.national_id:
        gather(_has_key("nid", ClientSearchKey.value == identifier_key(data.national_id)))
    near_birth = Client.birth_year.between(data.birth_year - 1, data.birth_year + 1)
    all_sounds: list[str] = []
    for given, family in ((data.given_name, data.family_name),
                          (data.given_name_native, data.family_name_native)):
        full_name = " ".join(part for part in (given, family) if part)
        words = name_words(full_name)
        if words:
            gather(and_(near_birth, *[_has_key("name", ClientSearchKey.value == w)
                                      for w in words]))
        for variant in spelling_variants(full_name):
            sounds = name_sound_keys(variant)
            all_sounds += [key for key in sounds if key not in all_sounds]
            if sounds:
                gather(and_(near_birth, *[has_sound(key) for key in sounds]))
            if len(sounds) < 2:
                continue  # one word one typo away is too often just another name
            for mistyped in sounds:
                neighbours = typo_keys(mistyped)
                if neighbours:
                    # The exact keys first: SQLite starts from the first key list, and one
                    # name's key is rarer than a whole typo neighbourhood.
                    gather(and_(near_birth,
                                *[has_sound(key) for key in sounds if key != mistyped],
                                _has_key("typo", ClientSearchKey.value.in_(neighbours))))
    for variant in spelling_variants(data.father_name) if data.father_name else []:
        father_keys = [key for key in name_sound_keys(variant)
                       if key not in matching.UNINFORMATIVE_FATHER_KEYS]
        if father_keys and all_sounds:
            gather(and_(near_birth,
                        *[_has_key("father", ClientSearchKey.value == key) for key in father_keys],
                        _has_key("sound", ClientSearchKey.value.in_(all_sounds))))
    if not gathered:
        return []
    new = matching.Person.of(data)
    candidates = []
    for client in db.session.scalars(select(Client).where(Client.id.in_(gathered))):
        evidence = matching.score(new, matching.Person.of(client), new_phone_keys=phone_keys)
        if evidence.score >= matching.SHOW_FROM:
            candidates.append(DuplicateCandidate(client, evidence.reasons, evidence.score))
    candidates.sort(key=lambda c: (-c.score, c.client.reference))
    return candidates[:MAX_DUPLICATE_CANDIDATES]
