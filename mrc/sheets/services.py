"""Information sheets: seeding, editing language versions, publishing, and printing.

Sheets are national content (no centre): managers and admins edit and publish them. Prints
belong to a centre and are scoped like every centre's record. A language version that is
published is never changed: editing it starts the next draft, and a print takes the newest
published version, else the newest draft (which prints with a DRAFT mark).
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from mrc.actor import Actor
from mrc.audit import services as audit
from mrc.auth.models import Role, User
from mrc.centres.models import Centre
from mrc.centres.services import centre_today
from mrc.clients.models import Client
from mrc.database import utcnow
from mrc.errors import FieldError
from mrc.extensions import db
from mrc.group_sessions.models import GroupSession, GroupSessionAttendee
from mrc.i18n import LANGUAGES
from mrc.referrals.models import Referral
from mrc.security import find_scoped, scoped
from mrc.sheets import markup, render
from mrc.sheets.models import DRAFT, PUBLISHED, InfoSheet, SheetPrint, SheetVersion

SHEET_LANGUAGES = tuple(LANGUAGES)  # en, ur, ar, ckb, bn, ps, fa_AF
PAPER_SIZES = ("A4", "letter")
MAX_COPIES = 1000


class SheetError(FieldError):
    """A refusal shown beside the form field named ``field``; nothing was saved."""

    def __init__(self, message, field: str):
        super().__init__(field, message)


def may_edit(user: User) -> bool:
    return user.role in (Role.MANAGER, Role.ADMIN)


def _require_editor(actor: Actor) -> None:
    if not may_edit(actor.user):
        raise PermissionError("only managers and admins edit and publish sheets")


# --- seeding ----------------------------------------------------------------------------------

def seed_sheets() -> int:
    """Create the sheets and version-1 drafts of ``seeds.seed_documents()`` that are missing.

    Idempotent: an existing topic or language version is left as it is (managers may have
    edited it). Returns the number of language versions created.
    """
    from mrc.sheets.seeds import seed_documents

    created = 0
    for seed in seed_documents():
        sheet = db.session.scalar(select(InfoSheet).where(InfoSheet.topic == seed.topic))
        if sheet is None:
            sheet = InfoSheet(topic=seed.topic, position=seed.position,
                              sources="\n".join(seed.sources), created_at=utcnow())
            db.session.add(sheet)
            db.session.flush()
        present = set(db.session.scalars(
            select(SheetVersion.language).where(SheetVersion.sheet_id == sheet.id)))
        for lang, (title, body) in seed.versions.items():
            if lang in present:
                continue
            db.session.add(SheetVersion(sheet_id=sheet.id, language=lang, number=1,
                                        title=title[:200], body=body, status=DRAFT,
                                        created_at=utcnow()))
            created += 1
    db.session.commit()
    return created


# --- reading ----------------------------------------------------------------------------------

def all_sheets() -> list[InfoSheet]:
    return list(db.session.scalars(select(InfoSheet).order_by(InfoSheet.position,
                                                              InfoSheet.id)))


def get_sheet(sheet_id: int) -> InfoSheet | None:
    return db.session.get(InfoSheet, sheet_id)


def latest_version(sheet_id: int, lang: str) -> SheetVersion | None:
    return db.session.scalar(
        select(SheetVersion).where(SheetVersion.sheet_id == sheet_id,
                                   SheetVersion.language == lang)
        .order_by(SheetVersion.number.desc()).limit(1))


def printable_version(sheet_id: int, lang: str) -> SheetVersion | None:
    """The newest published version in ``lang``, else the newest draft, else None."""
    published = db.session.scalar(
        select(SheetVersion).where(SheetVersion.sheet_id == sheet_id,
                                   SheetVersion.language == lang,
                                   SheetVersion.status == PUBLISHED)
        .order_by(SheetVersion.number.desc()).limit(1))
    return published or latest_version(sheet_id, lang)


@dataclass
class LanguageStatus:
    language: str
    latest: SheetVersion | None
    published: SheetVersion | None


def overview() -> list[tuple[InfoSheet, list[LanguageStatus]]]:
    """Every sheet with, per language, its newest version and its newest published one."""
    sheets = all_sheets()
    versions = db.session.scalars(select(SheetVersion).order_by(SheetVersion.number))
    latest: dict[tuple[int, str], SheetVersion] = {}
    published: dict[tuple[int, str], SheetVersion] = {}
    for version in versions:  # a few dozen rows: seven languages of a handful of topics
        key = (version.sheet_id, version.language)
        latest[key] = version
        if version.status == PUBLISHED:
            published[key] = version
    return [(sheet, [LanguageStatus(lang, latest.get((sheet.id, lang)),
                                    published.get((sheet.id, lang)))
                     for lang in SHEET_LANGUAGES])
            for sheet in sheets]


def sheet_title(sheet: InfoSheet, lang: str) -> str:
    """The sheet's title in ``lang``, else in English, else its topic code."""
    for code in (lang, "en"):
        version = printable_version(sheet.id, code)
        if version:
            return version.title
    return sheet.topic


def topic_options(lang: str) -> list[tuple[int, str]]:
    return [(sheet.id, sheet_title(sheet, lang)) for sheet in all_sheets()]


def client_language(client: Client) -> str:
    """The client's first language that sheets are written in, else the centre's default."""
    for code in client.language_codes:
        if code in SHEET_LANGUAGES:
            return code
    return default_language(client.centre)


def default_language(centre: Centre | None) -> str:
    if centre and centre.default_locale in SHEET_LANGUAGES:
        return centre.default_locale
    return "en"


# --- editing and publishing -------------------------------------------------------------------

def edit_version(actor: Actor, sheet: InfoSheet, lang: str, title: str,
                 body: str) -> SheetVersion:
    """Save the text of ``sheet`` in ``lang``.

    A draft is updated in place; a published version (or none) gets a new draft numbered one
    higher. Raises ``SheetError`` for an empty title or a body with markup problems.
    """
    _require_editor(actor)
    if lang not in SHEET_LANGUAGES:
        raise SheetError(_l("Choose a language."), "title")
    title = (title or "").strip()
    body = (body or "").replace("\r\n", "\n")
    if not title:
        raise SheetError(_l("Enter a title."), "title")
    problems = markup.validate(body)
    if problems:
        raise SheetError(" ".join(str(problem) for problem in problems), "body")

    latest = latest_version(sheet.id, lang)
    if latest is not None and latest.status == DRAFT:
        changed = [name for name, value in (("title", title), ("body", body))
                   if getattr(latest, name) != value]
        latest.title, latest.body = title, body
        version, action = latest, "update"
    else:
        version = SheetVersion(sheet_id=sheet.id, language=lang,
                               number=(latest.number + 1) if latest else 1, title=title,
                               body=body, status=DRAFT, created_at=utcnow(),
                               created_by_id=actor.user.id)
        db.session.add(version)
        changed, action = ["title", "body"], "create"
    db.session.flush()
    audit.record(actor, action, object_type="info_sheet", object_id=sheet.id,
                 centre_id=actor.user.centre_id,
                 summary=f"{sheet.topic} {lang} version {version.number}: "
                         + ("changed: " + ", ".join(changed) if changed else "no change"))
    db.session.commit()
    return version


def publish(actor: Actor, version: SheetVersion, review_date: date | None) -> SheetVersion:
    """Publish a draft with the date its content was reviewed (not in the future).

    Raises ``SheetError`` for a version that is not the newest draft, a missing or future
    review date, or a body with markup problems.
    """
    _require_editor(actor)
    latest = latest_version(version.sheet_id, version.language)
    if version.status != DRAFT or latest is None or latest.id != version.id:
        raise SheetError(_l("Only the newest draft can be published."), "review_date")
    today = centre_today(actor.user.centre) if actor.user.centre else utcnow().date()
    if review_date is None:
        raise SheetError(_l("Enter the date the content was reviewed."), "review_date")
    if review_date > today:
        raise SheetError(_l("The review date cannot be in the future."), "review_date")
    if markup.validate(version.body):
        raise SheetError(_l("Correct the problems in the text before publishing."),
                         "review_date")
    version.status = PUBLISHED
    version.review_date = review_date
    version.reviewed_by_id = actor.user.id
    version.published_at = utcnow()
    audit.record(actor, "publish", object_type="info_sheet", object_id=version.sheet_id,
                 centre_id=actor.user.centre_id,
                 summary=f"{version.sheet.topic} {version.language} version {version.number}")
    db.session.commit()
    return version


# --- rendering and printing -------------------------------------------------------------------

def _job(version: SheetVersion) -> render.SheetJob:
    return render.SheetJob(version=version, topic=version.sheet.topic)


def preview(actor: Actor, version: SheetVersion, paper: str = "A4") -> bytes:
    """The PDF of any version, with the actor's centre in the header (nothing recorded)."""
    _require_editor(actor)
    return render.render_sheets(actor.user.centre, [_job(version)], paper)


def _record(actor: Actor, centre: Centre, version: SheetVersion, *, client_id=None,
            group_session_id=None, copies: int = 1) -> SheetPrint:
    row = SheetPrint(centre_id=centre.id, sheet_version_id=version.id,
                     topic=version.sheet.topic, language=version.language, client_id=client_id,
                     group_session_id=group_session_id, copies=copies,
                     printed_by_id=actor.user.id, printed_at=utcnow())
    db.session.add(row)
    return row


def _version_or_error(sheet_id: int, lang: str) -> SheetVersion:
    if lang not in SHEET_LANGUAGES:
        raise SheetError(_l("Choose a language."), "language")
    version = printable_version(sheet_id, lang)
    if version is None:
        raise SheetError(_l("This sheet has no text in that language yet."), "language")
    return version


def _summary(version: SheetVersion) -> str:
    return (f"sheet {version.sheet.topic} {version.language} version {version.number}"
            + (" (draft)" if version.is_draft else ""))


def print_for_client(actor: Actor, client: Client, sheet_id: int, lang: str,
                     paper: str = "A4") -> bytes:
    """The PDF of a sheet for ``client``, recorded as a print on their timeline."""
    if find_scoped(Client, client.id, actor.user) is None:
        raise PermissionError("client outside the actor's scope")
    version = _version_or_error(sheet_id, lang)
    pdf = render.render_sheets(client.centre, [_job(version)], paper)
    _record(actor, client.centre, version, client_id=client.id)
    audit.record(actor, "print", object_type="client", object_id=client.id,
                 centre_id=client.centre_id, summary=_summary(version))
    db.session.commit()
    return pdf


def print_for_group_session(actor: Actor, group_session: GroupSession, sheet_id: int,
                            paper: str = "A4") -> bytes:
    """One PDF holding the sheet for every registered attendee, each in their language.

    Raises ``SheetError`` when the session has no registered attendees.
    """
    if find_scoped(GroupSession, group_session.id, actor.user) is None:
        raise PermissionError("group session outside the actor's scope")
    rows = list(db.session.scalars(
        scoped(GroupSessionAttendee, actor.user)
        .where(GroupSessionAttendee.group_session_id == group_session.id)
        .order_by(GroupSessionAttendee.id)))
    if not rows:
        raise SheetError(_l("No registered attendees to print for."), "sheet_id")
    centre = group_session.centre
    fallback = default_language(centre)
    jobs, chosen = [], []
    for row in rows:
        lang = client_language(row.client)
        version = printable_version(sheet_id, lang) or printable_version(sheet_id, fallback)
        if version is None:
            raise SheetError(_l("This sheet has no text in that language yet."), "sheet_id")
        jobs.append(_job(version))
        chosen.append((row.client_id, version))
    pdf = render.render_sheets(centre, jobs, paper)
    for client_id, version in chosen:
        _record(actor, centre, version, client_id=client_id, group_session_id=group_session.id)
    audit.record(actor, "print", object_type="group_session", object_id=group_session.id,
                 centre_id=group_session.centre_id,
                 summary=f"sheet {jobs[0].topic} for {len(jobs)} attendees")
    db.session.commit()
    return pdf


def print_copies(actor: Actor, sheet_id: int, lang: str, copies: int,
                 paper: str = "A4") -> bytes:
    """One copy of a sheet to print ``copies`` times (an outreach event), counted as such."""
    centre = actor.user.centre
    if centre is None:
        raise SheetError(_l("Only staff of a centre can print for an outreach event."),
                         "copies")
    if not copies or copies < 1 or copies > MAX_COPIES:
        raise SheetError(_l("Enter a number of copies from 1 to 1000."),
                         "copies")
    version = _version_or_error(sheet_id, lang)
    pdf = render.render_sheets(centre, [_job(version)], paper)
    row = _record(actor, centre, version, copies=copies)
    db.session.flush()
    audit.record(actor, "print", object_type="sheet_print", object_id=row.id,
                 centre_id=centre.id, summary=f"{_summary(version)}, {copies} copies")
    db.session.commit()
    return pdf


def referral_slip(actor: Actor, referral: Referral, lang: str, paper: str = "A4") -> bytes:
    """A slip for the client to take to the partner, in ``lang``; audited as a print."""
    if find_scoped(Referral, referral.id, actor.user) is None:
        raise PermissionError("referral outside the actor's scope")
    if lang not in SHEET_LANGUAGES:
        raise SheetError(_l("Choose a language."), "language")
    pdf = render.render_referral_slip(referral, lang, paper)
    audit.record(actor, "print", object_type="referral", object_id=referral.id,
                 centre_id=referral.centre_id, summary=f"referral slip {lang}")
    db.session.commit()
    return pdf


# --- statistics and the client's timeline -----------------------------------------------------

def prints_by_topic_and_language(actor: Actor) -> list[tuple[str, str, int]]:
    """Sheets handed out in the actor's scope: (topic, language, copies), by SQL."""
    prints = scoped(SheetPrint, actor.user).subquery()
    statement = (select(prints.c.topic, prints.c.language, func.sum(prints.c.copies))
                 .group_by(prints.c.topic, prints.c.language)
                 .order_by(prints.c.topic, prints.c.language))
    return [tuple(row) for row in db.session.execute(statement)]


def timeline_entries(client: Client):
    from mrc.clients.timeline import TimelineEntry
    from mrc.i18n import isolate, language_name

    rows = db.session.scalars(select(SheetPrint).where(SheetPrint.client_id == client.id)
                              .order_by(SheetPrint.id))
    return [TimelineEntry(
        at=row.printed_at, kind="sheet",
        text=str(_l("Sheet “%(title)s” printed in %(language)s by %(name)s",
                    title=isolate(row.sheet_version.title), language=language_name(row.language),
                    name=isolate(row.printed_by.display_name))),
    ) for row in rows]
