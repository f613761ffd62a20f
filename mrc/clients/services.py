"""The client registry: register, update, view, search and duplicate candidates.

Every function takes the acting user, scopes through ``mrc.security.scoped``, writes the audit
event and commits (or leaves nothing behind on error).
"""

import re
from dataclasses import dataclass, field, fields
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from mrc.actor import Actor
from mrc.audit import services as audit
from mrc.auth.models import Role, User
from mrc.centres.models import Centre
from mrc.centres.services import centre_today
from mrc.clients.models import Client, ClientReferenceCounter, ClientSearchKey
from mrc.clients.search_keys import identifier_key, keys_for, name_words, phone_key_candidates
from mrc.database import utcnow
from mrc.extensions import db
from mrc.i18n import normalise_digits
from mrc.security import scoped

SENSITIVE_FIELDS = ("trafficking_indication", "smuggling_indication", "protection_concern")


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


class PossibleDuplicates(Exception):
    """Registration stopped because people who may be the same person already exist."""

    def __init__(self, candidates: list[DuplicateCandidate]):
        super().__init__(f"{len(candidates)} possible duplicates")
        self.candidates = candidates


# --- who may see what -------------------------------------------------------------------------

def may_see_sensitive(user: User, client: Client) -> bool:
    """Protection flags: managers and admins, and the counsellor assigned to the client."""
    if user.role in (Role.MANAGER, Role.ADMIN):
        return True
    return client.assigned_counsellor_id == user.id


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
        names=[client.given_name, client.family_name, client.given_name_native,
               client.family_name_native],
        phone_e164=client.phone,
        national_id=client.national_id,
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
    changed = _apply(client, data, with_sensitive=may_see_sensitive(actor.user, client))
    if changed:
        _refresh_search_keys(client)
        audit.record(actor, "update", object_type="client", object_id=client.id,
                     centre_id=client.centre_id, summary="changed: " + ", ".join(changed))
    db.session.commit()
    return changed


def view_client(actor: Actor, client: Client) -> None:
    """Record that the actor opened the client's record."""
    audit.record(actor, "view", object_type="client", object_id=client.id,
                 centre_id=client.centre_id)
    db.session.commit()


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


def search_condition(term: str, default_region: str):
    """The WHERE condition for a search term, and which kind of search it was.

    A reference finds that client; a term of digits finds phones (any format) and ID numbers;
    anything else finds clients whose names have words starting with every typed word.
    """
    term = normalise_digits(term).strip()
    if _REFERENCE.match(term):
        return Client.reference == term.upper(), "reference"
    if _NUMBERISH.match(term) and len(re.sub(r"\D", "", term)) >= 5:
        phone_keys = phone_key_candidates(term, default_region)
        conditions = [_has_key("phone", ClientSearchKey.value.in_(phone_keys))] if phone_keys else []
        conditions.append(_has_key("nid", ClientSearchKey.value == identifier_key(term)))
        return or_(*conditions), "number"
    words = name_words(term)
    if not words:
        return None, "empty"
    return and_(*[_name_prefix(word) for word in words]), "name"


def search_clients(actor: Actor, term: str, *, page: int, per_page: int):
    """A page of clients in the actor's scope matching ``term``, most recently seen first."""
    region = actor.user.centre.country if actor.user.centre else "PK"
    condition, kind = search_condition(term, region)
    if condition is None:
        return None
    statement = (
        scoped(Client, actor.user)
        .where(condition, Client.anonymised_at.is_(None))
        .order_by(Client.last_visit_at.desc(), Client.id.desc())
    )
    result = db.paginate(statement, page=page, per_page=per_page, error_out=False, count=True)
    # Never the term itself: it is personal data.
    audit.record(actor, "search", object_type="client",
                 summary=f"by {kind}; {result.total} found; page {page}")
    db.session.commit()
    return result


def list_clients(actor: Actor, *, page: int, per_page: int):
    statement = (
        scoped(Client, actor.user)
        .where(Client.anonymised_at.is_(None))
        .order_by(Client.last_visit_at.desc(), Client.id.desc())
    )
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def recent_clients(actor: Actor, limit: int = 10) -> list[Client]:
    """Clients this user registered or updated most recently."""
    statement = (
        scoped(Client, actor.user)
        .where(or_(Client.created_by_id == actor.user.id,
                   Client.assigned_counsellor_id == actor.user.id))
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


MAX_DUPLICATE_CANDIDATES = 20


def find_duplicates(actor: Actor, data: ClientData, *, exclude_id: int | None = None
                    ) -> list[DuplicateCandidate]:
    """People in the actor's scope who may be the person described by ``data``, with reasons.

    Same phone, same national ID, or the same given and family name (in Latin letters or in
    the native script) with a birth year within one year.
    """
    region = actor.user.centre.country if actor.user.centre else "PK"
    found: dict[int, DuplicateCandidate] = {}

    def note(condition, reason):
        statement = scoped(Client, actor.user).where(condition, Client.anonymised_at.is_(None))
        if exclude_id is not None:
            statement = statement.where(Client.id != exclude_id)
        for client in db.session.scalars(statement.limit(MAX_DUPLICATE_CANDIDATES)):
            found.setdefault(client.id, DuplicateCandidate(client)).reasons.append(str(reason))

    if data.phone:
        note(_has_key("phone", ClientSearchKey.value.in_(phone_key_candidates(data.phone, region))),
             _l("same phone number"))
    if data.national_id:
        note(_has_key("nid", ClientSearchKey.value == identifier_key(data.national_id)),
             _l("same national ID"))
    near_birth = Client.birth_year.between(data.birth_year - 1, data.birth_year + 1)
    for given, family, reason in (
        (data.given_name, data.family_name, _l("same name, born within a year")),
        (data.given_name_native, data.family_name_native,
         _l("same name in native script, born within a year")),
    ):
        words = name_words(given, family)
        if not words:
            continue
        note(and_(near_birth, *[_has_key("name", ClientSearchKey.value == w) for w in words]),
             reason)
    ranked = sorted(found.values(), key=lambda c: (-len(c.reasons), c.client.reference))
    return ranked[:MAX_DUPLICATE_CANDIDATES]
