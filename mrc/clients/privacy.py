"""The rights of the person in the records, and how long records are kept.

- everything held on a client, as JSON and as a PDF in their language (``export_json``,
  ``export_pdf``);
- the history of corrections to their record (``record_corrections``, hooked into
  ``services.update_client``; ``corrections``);
- anonymisation (``anonymise_client``): identifying fields and free text erased, activity rows
  kept so that statistics do not change, and on SQLite the erased bytes removed from the file;
- consent withdrawn or given again per purpose (``change_consent``), whose effects the other
  services read from the client's current ``consent_*`` columns;
- retention: clients whose last activity is older than their centre's ``retention_years``
  (``retention_due``, ``run_retention``), found by the last activity each client keeps
  (``mrc.clients.activity``) and checked against the records before anonymising.

Every function that reads or writes a record writes its audit event; audit summaries name
fields and reason codes, never the values.
"""

import io
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, inspect, or_, select, union_all

from mrc.actor import Actor
from mrc.audit import services as audit
from mrc.audit.models import AuditEvent
from mrc.auth.models import ROLE_LABELS, Role, User
from mrc.centres.models import Centre
from mrc.centres.services import all_centres, centre_now
from mrc.clients import choices
from mrc.clients.activity import last_activity, refresh_last_activity
from mrc.clients.models import Client, ClientSearchKey
from mrc.clients.privacy_models import ClientConsentChange, ClientCorrection
from mrc.counselling.models import CounsellingSession, CounsellingSessionChange
from mrc.database import is_sqlite, utcnow
from mrc.extensions import db
from mrc.group_sessions.models import GroupSession, GroupSessionAttendee
from mrc.i18n import format_local_datetime
from mrc.referrals.models import Referral, ReferralStatusChange
from mrc.pagination import Page
from mrc.security import find_scoped

try:  # the information sheets' prints (task "sheets-core"); older checkouts have none
    from mrc.sheets.models import SheetPrint
except ImportError:  # pragma: no cover - depends on which features are merged
    SheetPrint = None

# The languages a PDF of everything held can be printed in (the print layout's scripts).
PDF_LANGUAGES = ("en", "ur", "ar", "ckb", "bn", "ps", "fa_AF")

CONSENT_FIELDS = tuple(purpose for purpose, _label in choices.CONSENT_PURPOSES)

# Why a client is anonymised: stored as a code in the audit log (never free text).
ANONYMISE_REASONS = [
    ("request", _l("The person asked to be erased")),
    ("consent_withdrawn", _l("The person withdrew their consent to their data being recorded")),
    ("retention", _l("The retention period ended")),
]

SYSTEM_USERNAME = "system"

# Identifying text fields emptied by anonymisation. Kept: sex, birth year, nationality,
# province, education, languages, migration status, destination and the other coded answers
# the statistics count, the reference (a number, meaningless without the rest) and the centre.
ERASED_FIELDS = ("given_name", "family_name", "given_name_native", "family_name_native",
                 "father_name", "national_id", "phone", "district", "occupation", "skills")


class PrivacyError(ValueError):
    """A request refused with a message for the user (nothing was changed)."""


def _check_scope(actor: Actor | None, client: Client) -> None:
    if actor is not None and find_scoped(Client, client.id, actor.user) is None:
        raise PermissionError("client outside the actor's scope")


def may_manage_rights(user: User) -> bool:
    return user.role in (Role.MANAGER, Role.ADMIN)


# --- corrections ------------------------------------------------------------------------------

def _stored(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def record_corrections(actor: Actor, client: Client, changed: list[str]) -> None:
    """Store old and new value of each changed field (call before the session flushes).

    Old values come from SQLAlchemy's attribute history of the loaded client. A changed
    consent field is also a consent change (``ClientConsentChange``).
    """
    state = inspect(client)
    now = utcnow()
    for name in changed:
        history = state.attrs[name].history
        old = history.deleted[0] if history.deleted else None
        new = getattr(client, name)
        db.session.add(ClientCorrection(
            client_id=client.id, field=name, old_value=_stored(old), new_value=_stored(new),
            changed_by_id=actor.user.id, changed_at=now,
        ))
        if name in CONSENT_FIELDS:
            db.session.add(ClientConsentChange(
                client_id=client.id, purpose=name, granted=bool(new),
                changed_by_id=actor.user.id, changed_at=now, note="",
            ))


def corrections(actor: Actor, client: Client) -> list[ClientCorrection]:
    """The client's corrections, newest first; viewing them is audited (field names only)."""
    _check_scope(actor, client)
    rows = list(db.session.scalars(
        select(ClientCorrection).where(ClientCorrection.client_id == client.id)
        .order_by(ClientCorrection.changed_at.desc(), ClientCorrection.id.desc())
    ))
    audit.record(actor, "view", object_type="client", object_id=client.id,
                 centre_id=client.centre_id, summary="correction history")
    db.session.commit()
    return rows


def view_privacy(actor: Actor, client: Client) -> None:
    """Record that the actor opened the client's privacy page (consent notes shown)."""
    _check_scope(actor, client)
    audit.record(actor, "view", object_type="client", object_id=client.id,
                 centre_id=client.centre_id, summary="privacy page")
    db.session.commit()


# --- consent ----------------------------------------------------------------------------------

def consent_history(client: Client) -> list[ClientConsentChange]:
    return list(db.session.scalars(
        select(ClientConsentChange).where(ClientConsentChange.client_id == client.id)
        .order_by(ClientConsentChange.changed_at.desc(), ClientConsentChange.id.desc())
    ))


def change_consent(actor: Actor, client: Client, purpose: str, granted: bool, on: date,
                   note: str = "") -> bool:
    """Withdraw (``granted`` False) or give again consent to ``purpose`` as of the day ``on``.

    The client's ``consent_<purpose>`` column is the current state every service reads.
    False when nothing changed. Raises ``PrivacyError`` for an unknown purpose, a day in the
    future or an anonymised client.
    """
    _check_scope(actor, client)
    if purpose not in CONSENT_FIELDS:
        raise PrivacyError(_l("Choose a purpose."))
    if client.anonymised_at is not None:
        raise PrivacyError(_l("This person's record is anonymised."))
    zone = ZoneInfo(client.centre.timezone)
    now = centre_now(client.centre)
    if on is None or on > now.date():
        raise PrivacyError(_l("The date cannot be in the future."))
    if getattr(client, purpose) == granted:
        return False
    setattr(client, purpose, granted)
    at = now if on == now.date() else datetime.combine(on, time(12), zone)
    db.session.add(ClientConsentChange(
        client_id=client.id, purpose=purpose, granted=granted, changed_by_id=actor.user.id,
        changed_at=at.astimezone(UTC), note=(note or "").strip(),
    ))
    audit.record(actor, "update", object_type="client", object_id=client.id,
                 centre_id=client.centre_id,
                 summary=f"consent {'given' if granted else 'withdrawn'}: {purpose}")
    db.session.commit()
    return True


def follow_up_contact_allowed():
    """SQL condition on ``Client``: follow-up reminders may be shown. False once the person
    withdrew consent to follow-up contact (and did not give it again); a client registered
    without that consent, who never withdrew it, keeps their reminders, marked "do not
    contact" on the pages."""
    withdrawn = select(ClientConsentChange.id).where(
        ClientConsentChange.client_id == Client.id,
        ClientConsentChange.purpose == "consent_follow_up",
    ).exists()
    return or_(Client.consent_follow_up.is_(True), ~withdrawn)


# --- everything held --------------------------------------------------------------------------

def _iso(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _access_log(client: Client) -> list[dict]:
    rows = db.session.execute(
        select(AuditEvent.at, AuditEvent.action, AuditEvent.username, User.role)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.object_type == "client", AuditEvent.object_id == client.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [{"at": _iso(at), "action": action, "username": username,
             "role": role.value if role else ""} for at, action, username, role in rows]


def everything_held(client: Client) -> dict:
    """Every record the service holds about the client, as plain JSON-ready data."""
    record = {attr.key: _iso(getattr(client, attr.key)) for attr in Client.__mapper__.column_attrs}
    record["centre"] = client.centre.code
    sessions = db.session.scalars(
        select(CounsellingSession).where(CounsellingSession.client_id == client.id)
        .order_by(CounsellingSession.held_at, CounsellingSession.id)
    )
    attendances = db.session.execute(
        select(GroupSession).join(GroupSessionAttendee,
                                  GroupSessionAttendee.group_session_id == GroupSession.id)
        .where(GroupSessionAttendee.client_id == client.id).order_by(GroupSession.starts_at)
    ).scalars()
    referrals = db.session.scalars(
        select(Referral).where(Referral.client_id == client.id).order_by(Referral.id)
    )
    prints = []
    if SheetPrint is not None:
        prints = [
            {"printed_at": _iso(p.printed_at), "topic": p.topic, "language": p.language,
             "copies": p.copies}
            for p in db.session.scalars(
                select(SheetPrint).where(SheetPrint.client_id == client.id)
                .order_by(SheetPrint.printed_at, SheetPrint.id))
        ]
    return {
        "reference": client.reference,
        "produced_at": utcnow().isoformat(),
        "client": record,
        "consent": {
            "current": {purpose: getattr(client, purpose) for purpose in CONSENT_FIELDS},
            "first_recorded_on": _iso(client.consent_date),
            "changes": [
                {"changed_at": _iso(c.changed_at), "purpose": c.purpose, "granted": c.granted,
                 "note": c.note, "changed_by": c.changed_by.username if c.changed_by else ""}
                for c in reversed(consent_history(client))
            ],
        },
        "counselling_sessions": [
            {"held_at": _iso(s.held_at), "channel": s.channel,
             "duration_minutes": s.duration_minutes, "topics": s.topic_codes,
             "pathways": s.pathway_codes, "notes": s.notes,
             "follow_up_on": _iso(s.follow_up_on),
             "follow_up_done_at": _iso(s.follow_up_done_at),
             "counsellor": s.counsellor.username,
             "changes": [{"changed_at": _iso(c.changed_at), "field": c.field,
                          "old_value": c.old_value, "new_value": c.new_value}
                         for c in s.changes]}
            for s in sessions
        ],
        "group_sessions": [
            {"starts_at": _iso(g.starts_at), "kind": g.kind, "venue": g.venue,
             "topics": g.topic_codes}
            for g in attendances
        ],
        "referrals": [
            {"created_at": _iso(r.created_at), "partner": r.partner.name, "service": r.service,
             "reason": r.reason, "urgency": r.urgency, "status": r.status,
             "follow_up_due": _iso(r.follow_up_due), "outcome": r.outcome,
             "consent_override_reason": r.consent_override_reason,
             "status_changes": [{"changed_at": _iso(c.changed_at), "from": c.from_status,
                                 "to": c.to_status, "note": c.note} for c in r.changes]}
            for r in referrals
        ],
        "sheet_prints": prints,
        "corrections": [
            {"changed_at": _iso(c.changed_at), "field": c.field, "old_value": c.old_value,
             "new_value": c.new_value,
             "changed_by": c.changed_by.username if c.changed_by else SYSTEM_USERNAME}
            for c in db.session.scalars(
                select(ClientCorrection).where(ClientCorrection.client_id == client.id)
                .order_by(ClientCorrection.changed_at, ClientCorrection.id))
        ],
        "access_log": _access_log(client),
    }


def export_json(actor: Actor, client: Client) -> str:
    """Everything held on the client as a JSON document (audited as an export)."""
    _check_scope(actor, client)
    document = json.dumps(everything_held(client), ensure_ascii=False, indent=2)
    audit.record(actor, "export", object_type="client", object_id=client.id,
                 centre_id=client.centre_id, summary="everything held: json")
    db.session.commit()
    return document


def pdf_language(client: Client) -> str:
    """The person's first language that a PDF can be printed in, else the centre's."""
    for code in client.language_codes:
        if code in PDF_LANGUAGES:
            return code
    locale = client.centre.default_locale
    return locale if locale in PDF_LANGUAGES else "en"


# Field labels of the PDF: the msgids of the client page, so that they share translations.
_PDF_FIELDS = [
    ("given_name", _l("Given name (Latin letters)")),
    ("family_name", _l("Family name (Latin letters)")),
    ("given_name_native", _l("Given name in own script")),
    ("family_name_native", _l("Family name in own script")),
    ("father_name", _l("Father's name")),
    ("sex", _l("Sex")), ("date_of_birth", _l("Date of birth")),
    ("birth_year", _l("Year of birth")),
    ("nationality", _l("Nationality")), ("national_id", _l("National ID number")),
    ("phone", _l("Phone")), ("province", _l("Province or governorate")),
    ("district", _l("District")), ("education", _l("Education")),
    ("occupation", _l("Occupation")), ("skills", _l("Skills")),
    ("languages", _l("Languages spoken")), ("migration_status", _l("Migration status")),
    ("destination_country", _l("Intended destination country")),
    ("destination_sector", _l("Intended sector of work or study")),
]
_LTR_FIELDS = {"national_id", "phone", "date_of_birth", "birth_year"}

# The labels of every field a correction can name (the client form's own msgids).
FIELD_LABELS = dict(_PDF_FIELDS) | dict(choices.CONSENT_PURPOSES) | {
    "heard_about": _l("How they heard of the centre"),
    "assigned_counsellor_id": _l("Assigned counsellor"),
    "trafficking_indication": _l("Indications of trafficking"),
    "smuggling_indication": _l("Indications of smuggling"),
    "protection_concern": _l("Other protection concern"),
}
_CODED_FIELDS = {"sex": choices.SEX, "education": choices.EDUCATION,
                 "migration_status": choices.MIGRATION_STATUS,
                 "destination_sector": choices.SECTOR, "heard_about": choices.HEARD_ABOUT}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def shown_value(name: str, stored: str) -> str:
    """A stored correction value as the client page shows it (labels, names, countries)."""
    from mrc.i18n import country_name, format_item_list, language_name

    if not stored:
        return ""
    if stored in ("yes", "no") and (name in CONSENT_FIELDS or name.endswith(
            ("_indication", "_concern"))):
        return _("Yes") if stored == "yes" else _("No")
    if name in _CODED_FIELDS:
        return choices.label_for(_CODED_FIELDS[name], stored)
    if name in ("nationality", "destination_country"):
        return country_name(stored)
    if name == "languages":
        return format_item_list(language_name(code) for code in stored.split())
    if name == "assigned_counsellor_id" and stored.isdigit():
        user = db.session.get(User, int(stored))
        return user.display_name if user else stored
    return stored


def _pdf_story(client: Client, held: dict, lang: str) -> list:
    from reportlab.platypus import Spacer

    from mrc.i18n import isolate
    from mrc.referrals.choices import STATUSES, label_for
    from mrc.sheets.layout import LayoutStyle, ShapedParagraph, ltr

    body = LayoutStyle(lang=lang, font_size=10, space_after=2)
    heading = LayoutStyle(lang=lang, font_size=14, space_before=10, space_after=4)
    story = []

    def title(text):
        story.append(ShapedParagraph(str(text), heading))

    def line(label, value, *, left_to_right=False):
        if value in (None, "", []):
            value = "—"
        shown = ltr(value) if left_to_right else isolate(value)
        story.append(ShapedParagraph(f"{label}: {shown}", body))

    def when(value):  # the document goes to the person: their centre's time, always
        return format_local_datetime(value, "medium", zone=client.centre.timezone)

    story.append(ShapedParagraph(_("Everything we hold about you"),
                                 LayoutStyle(lang=lang, font_size=18, space_after=6)))
    line(_("Reference"), client.reference, left_to_right=True)
    line(_("Centre"), client.centre.name)
    line(_("Produced on"), format_date(centre_now(client.centre).date(), "long"))
    story.append(Spacer(1, 6))

    title(_("Details"))
    for name, label in _PDF_FIELDS:
        value = shown_value(name, _stored(getattr(client, name)))
        if name == "date_of_birth" and client.date_of_birth:
            value = format_date(client.date_of_birth, "long")
        line(label, value, left_to_right=name in _LTR_FIELDS)

    title(_("Consent"))
    for purpose, label in choices.CONSENT_PURPOSES:
        line(label, _("Yes") if getattr(client, purpose) else _("No"))
    for change in held["consent"]["changes"]:
        state = _("given") if change["granted"] else _("withdrawn")
        line(when(datetime.fromisoformat(change["changed_at"])),
             f"{field_label(change['purpose'])}: {state}")

    title(_("Counselling sessions"))
    for item in held["counselling_sessions"]:
        line(when(datetime.fromisoformat(item["held_at"])), item["notes"])
    title(_("Group sessions"))
    for item in held["group_sessions"]:
        line(when(datetime.fromisoformat(item["starts_at"])), item["venue"])
    title(_("Referrals"))
    for item in held["referrals"]:
        line(when(datetime.fromisoformat(item["created_at"])),
             f"{item['partner']} — {item['reason']} — {item['outcome']}")
        for change in item["status_changes"]:
            line(when(datetime.fromisoformat(change["changed_at"])),
                 f"{label_for(STATUSES, change['from'])} → {label_for(STATUSES, change['to'])}"
                 f" {change['note']}")
    if held["sheet_prints"]:
        title(_("Information sheets given"))
        for item in held["sheet_prints"]:
            line(when(datetime.fromisoformat(item["printed_at"])),
                 f"{item['topic']} ({item['language']})")
    title(_("Corrections"))
    for item in held["corrections"]:
        name = item["field"]
        line(when(datetime.fromisoformat(item["changed_at"])),
             f"{field_label(name)}: {shown_value(name, item['old_value']) or '—'} → "
             f"{shown_value(name, item['new_value']) or '—'}")
    title(_("Who looked at the record"))
    for item in held["access_log"]:
        role = ROLE_LABELS[Role(item["role"])] if item["role"] else "—"
        line(when(datetime.fromisoformat(item["at"])),
             f"{item['username']} ({role}): "
             f"{audit.ACTION_LABELS.get(item['action'], item['action'])}")
    return story


def export_pdf(actor: Actor, client: Client, lang: str) -> bytes:
    """Everything held on the client as a PDF in ``lang`` (one of ``PDF_LANGUAGES``)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    from mrc.sheets.layout import RENDER_LOCK

    _check_scope(actor, client)
    if lang not in PDF_LANGUAGES:
        raise PrivacyError(_l("Choose a language."))
    held = everything_held(client)
    buffer = io.BytesIO()
    with force_locale(lang):
        story = _pdf_story(client, held, lang)
        document = SimpleDocTemplate(buffer, pagesize=A4, title=client.reference,
                                     leftMargin=48, rightMargin=48, topMargin=48,
                                     bottomMargin=48)
        with RENDER_LOCK:  # the fonts' glyph tables are shared between threads
            document.build(story)
    audit.record(actor, "export", object_type="client", object_id=client.id,
                 centre_id=client.centre_id, summary=f"everything held: pdf ({lang})")
    db.session.commit()
    return buffer.getvalue()


# --- anonymisation ----------------------------------------------------------------------------

_AGE_BOUNDARIES = (18, 25, 35, 50)  # where mrc.stats.services.age_group changes group


def _activity_times(client: Client) -> list[datetime]:
    times = [client.created_at]
    times += db.session.scalars(
        select(CounsellingSession.held_at).where(CounsellingSession.client_id == client.id))
    times += db.session.scalars(
        select(GroupSession.starts_at).join(
            GroupSessionAttendee, GroupSessionAttendee.group_session_id == GroupSession.id)
        .where(GroupSessionAttendee.client_id == client.id))
    times += db.session.scalars(select(Referral.created_at).where(Referral.client_id == client.id))
    return [t for t in times if t is not None]


def _month_day_after(month_day: tuple[int, int], year: int) -> date:
    following = date(2000, *month_day) + timedelta(days=1)  # 2000 is a leap year
    if (following.month, following.day) == (2, 29) and year % 4:
        return date(year, 3, 1)
    return date(year, following.month, following.day)


def stand_in_birth_date(born: date, activity_times: list[datetime]) -> date:
    """A date in the birth year that puts the person in the same age group as ``born`` at every
    activity, so the statistics (which age people at each activity's UTC date) do not change.

    Only activities in the years the person reached an age-group boundary matter: January 1st
    unless such an activity fell before the birthday, else the day after the latest of those.
    The stand-in reveals no more than where the birthday lies between two activity dates of
    that one year.
    """
    latest_before = None
    for at in activity_times:
        day = at.astimezone(UTC).date()
        if day.year - born.year not in _AGE_BOUNDARIES:
            continue
        month_day = (day.month, day.day)
        if month_day < (born.month, born.day) and (latest_before is None
                                                   or month_day > latest_before):
            latest_before = month_day
    if latest_before is None:
        return date(born.year, 1, 1)
    return _month_day_after(latest_before, born.year)


def _erase(client: Client) -> None:
    """The erasing part of ``anonymise_client`` (no audit, no commit)."""
    if client.date_of_birth is not None:
        client.birth_year = client.birth_year or client.date_of_birth.year
        client.date_of_birth = stand_in_birth_date(client.date_of_birth, _activity_times(client))
    for name in ERASED_FIELDS:
        setattr(client, name, "")
    client.anonymised_at = utcnow()
    db.session.execute(ClientSearchKey.__table__.delete()
                       .where(ClientSearchKey.client_id == client.id))
    sessions = select(CounsellingSession.id).where(CounsellingSession.client_id == client.id)
    db.session.execute(CounsellingSession.__table__.update()
                       .where(CounsellingSession.client_id == client.id).values(notes=""))
    db.session.execute(CounsellingSessionChange.__table__.update()
                       .where(CounsellingSessionChange.session_id.in_(sessions),
                              CounsellingSessionChange.field == "notes")
                       .values(old_value="", new_value=""))
    referrals = select(Referral.id).where(Referral.client_id == client.id)
    db.session.execute(Referral.__table__.update().where(Referral.client_id == client.id)
                       .values(reason="", outcome=""))
    db.session.execute(Referral.__table__.update()
                       .where(Referral.client_id == client.id,
                              Referral.consent_override_reason.is_not(None))
                       .values(consent_override_reason=""))
    db.session.execute(ReferralStatusChange.__table__.update()
                       .where(ReferralStatusChange.referral_id.in_(referrals))
                       .values(note=""))
    db.session.execute(ClientCorrection.__table__.update()
                       .where(ClientCorrection.client_id == client.id)
                       .values(old_value="", new_value=""))
    db.session.execute(ClientConsentChange.__table__.update()
                       .where(ClientConsentChange.client_id == client.id).values(note=""))


def anonymise_client(actor: Actor | None, client: Client, reason: str, *,
                     checkpoint_after: bool = True) -> None:
    """Erase what identifies the person and every free text about them; keep activity rows.

    Erased: names in both scripts, the father's name, national ID, phone, district, occupation,
    skills, the day and month of birth (replaced by ``stand_in_birth_date``; the birth year
    stays for the age groups), counselling notes and their edit history, referral reasons,
    outcomes, override reasons and status notes, consent notes, the old and new values of
    corrections, and the search keys. Kept: sex, birth year, centre, dates, destination and
    the other coded answers that statistics count. ``actor`` None is the system (retention).
    ``reason`` is a code of ``ANONYMISE_REASONS``. Audited and committed; on SQLite the WAL is
    then checkpointed so that the erased values leave the database files (``secure_delete`` is
    on).
    """
    _check_scope(actor, client)
    if reason not in dict(ANONYMISE_REASONS):
        raise PrivacyError(_l("Choose a reason."))
    if client.anonymised_at is not None:
        raise PrivacyError(_l("This person's record is anonymised."))
    _erase(client)
    # Records merged into this one (the same person registered twice) hold the same identity.
    merged_into = getattr(Client, "merged_into_id", None)
    if merged_into is not None:
        duplicates = list(db.session.scalars(
            select(Client).where(merged_into == client.id, Client.anonymised_at.is_(None))))
        for duplicate in duplicates:
            _erase(duplicate)
    audit.record(actor, "anonymise", object_type="client", object_id=client.id,
                 centre_id=client.centre_id, summary=f"anonymised; reason: {reason}",
                 username=None if actor else SYSTEM_USERNAME)
    db.session.commit()
    db.session.expire_all()  # rows changed by the bulk statements above
    if checkpoint_after:
        checkpoint()


def checkpoint() -> bool:
    """SQLite: copy the WAL into the database file and truncate it, so that values erased with
    ``secure_delete`` on survive in neither file. PostgreSQL needs VACUUM (see README).

    False when readers kept the checkpoint from finishing (SQLite's next automatic checkpoint
    or the next anonymisation completes it)."""
    if not is_sqlite(db.engine) or db.engine.url.database in (None, "", ":memory:"):
        return False
    # A connection of its own, outside the pool and any transaction: a checkpoint cannot run
    # on a connection with an open transaction or statement.
    connection = sqlite3.connect(db.engine.url.database, timeout=15, isolation_level=None)
    try:
        busy, _log, _done = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        connection.close()
    return busy == 0


# --- retention --------------------------------------------------------------------------------

def _years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def _retention_years(centre: Centre) -> int:
    return centre.retention_years or 5  # the column's default, for rows older than it


def retention_centres(actor: Actor | None) -> list[Centre]:
    if actor is None or actor.user.role == Role.ADMIN:
        return all_centres()
    return [actor.user.centre] if actor.user.centre else []


@dataclass
class DueClient:
    client_id: int
    reference: str
    centre_id: int
    last_activity: datetime
    due_at: datetime | None = None


def _due_at_centre(centre: Centre, at: datetime):
    """The clients of ``centre`` whose last activity is at least its ``retention_years``
    before ``at``: one range of ``ix_clients_retention``.

    Records merged into another one are left out: they are erased with the record they were
    merged into. The last activity is the one each client keeps (``mrc.clients.activity``)."""
    return select(Client.id, Client.reference, Client.centre_id, Client.last_activity_at).where(
        Client.centre_id == centre.id, Client.anonymised_at.is_(None),
        Client.merged_into_id.is_(None),
        Client.last_activity_at <= _years_before(at, _retention_years(centre)))


def due_statement(centres: list[Centre], at: datetime, *, offset: int = 0,
                  limit: int | None = None):
    """SELECT (client id, reference, centre id, last activity) of the clients of ``centres``
    due at ``at``, oldest first; ``limit`` of them after the first ``offset`` if given.

    Each centre's part is read in the order of the index and, with ``limit``, stops after
    ``offset + limit``: for the admin's first page that is a few hundred rows in all, not a
    sort of every client due."""
    last = offset + limit if limit is not None else None
    parts = [_due_at_centre(centre, at).order_by(Client.last_activity_at, Client.id)
             .limit(last) for centre in centres]
    if len(parts) == 1:
        return parts[0].limit(limit).offset(offset)
    due = union_all(*[select(part.subquery()) for part in parts]).subquery()
    return (select(due.c.id, due.c.reference, due.c.centre_id, due.c.last_activity_at)
            .order_by(due.c.last_activity_at, due.c.id).limit(limit).offset(offset))


def due_count(centres: list[Centre], at: datetime) -> int:
    return sum(db.session.scalar(select(func.count()).select_from(
        _due_at_centre(centre, at).subquery())) for centre in centres)


def retention_due(actor: Actor, *, days: int = 31, page: int = 1, per_page: int = 50):
    """A page of the clients of the actor's centre(s) due for anonymisation within ``days``
    (already due included), as ``DueClient`` items in a paginated result."""
    centres = retention_centres(actor)
    at = utcnow() + timedelta(days=days)
    total = due_count(centres, at)
    rows = db.session.execute(due_statement(centres, at, offset=(page - 1) * per_page,
                                            limit=per_page)) if centres else []
    years = {centre.id: _retention_years(centre) for centre in centres}
    items = [DueClient(*row) for row in rows]
    for item in items:
        item.due_at = _years_before(item.last_activity, -years[item.centre_id])
    audit.record(actor, "view", object_type="client", summary=f"retention list; {total} due")
    db.session.commit()
    return Page(items=items, page=page, per_page=per_page, total=total)


def clients_due_now(at: datetime | None = None) -> list[DueClient]:
    """Every client of every centre due for anonymisation at ``at`` (default now)."""
    centres = all_centres()
    if not centres:
        return []
    return [DueClient(*row) for row in db.session.execute(due_statement(centres, at or utcnow()))]


def still_due(client: Client, at: datetime) -> bool:
    """Whether ``client``'s records, read again, leave them due at ``at``: anonymising cannot
    be undone, so the kept last activity that listed them is checked against the records."""
    last = db.session.scalar(select(last_activity()).where(Client.id == client.id))
    return last <= _years_before(at, _retention_years(client.centre))


def run_retention(due: list[DueClient], progress=None, at: datetime | None = None) -> int:
    """Anonymise the clients in ``due`` as the system, each if still due at ``at`` (default
    now); returns how many were anonymised."""
    at = at or utcnow()
    done = 0
    for item in due:
        client = db.session.get(Client, item.client_id)
        if client is None or client.anonymised_at is not None:
            continue
        if not still_due(client, at):
            refresh_last_activity(db.session, [client.id])  # it was out of date: mended
            db.session.commit()
            continue
        anonymise_client(None, client, "retention", checkpoint_after=False)
        done += 1
        if progress:
            progress(done)
    checkpoint()
    return done
