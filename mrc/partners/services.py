"""The partner directory: starter seeds, listing, and who may add or change which partner.

National partners (no ``centre_id``) serve every centre of their country; local partners one
centre. Admins edit every partner; managers the local partners of their centre and the national
partners of their own country; counsellors only read the directory.
"""

from dataclasses import dataclass, fields

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, literal, or_, select

from mrc.actor import Actor
from mrc.audit import services as audit
from mrc.auth.models import Role, User
from mrc.centres.models import Centre
from mrc.extensions import db
from mrc.partners.models import Partner
from mrc.partners.seeds import STARTER_PARTNERS
from mrc.security import scoped


def seed_partners() -> list[str]:
    """Add the starter national partners that are missing (by country and name)."""
    existing = set(db.session.execute(select(Partner.country, Partner.name)).all())
    created = []
    for values in STARTER_PARTNERS:
        if (values["country"], values["name"]) not in existing:
            db.session.add(Partner(**values))
            created.append(values["name"])
    db.session.commit()
    return created


@dataclass
class PartnerData:
    """A partner as typed in the form, already validated (phone in E.164)."""

    name: str
    kind: str
    country: str
    centre_id: int | None = None
    services: str = ""  # space-separated service codes
    city: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    hours: str = ""
    notes: str = ""
    active: bool = True

    @classmethod
    def from_partner(cls, partner: Partner) -> "PartnerData":
        return cls(**{f.name: getattr(partner, f.name) for f in fields(cls)})


class PartnerPermissionError(PermissionError):
    """The actor may not create or change this partner (the view answers 403)."""


# --- who may do what --------------------------------------------------------------------------

def may_create_partners(user: User) -> bool:
    return user.role == Role.ADMIN or (user.role == Role.MANAGER and user.centre is not None)


def may_manage(user: User, country: str, centre_id: int | None) -> bool:
    """Whether ``user`` may keep a partner of ``country`` held by ``centre_id`` (None: national)."""
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.MANAGER or user.centre is None:
        return False
    if centre_id is None:
        return country == user.centre.country
    return centre_id == user.centre_id


def may_edit_partner(user: User, partner: Partner) -> bool:
    return may_manage(user, partner.country, partner.centre_id)


def scope_choices(user: User, centres: list[Centre]) -> list[tuple[str, object]]:
    """Where a partner may belong, as ``(value, label)``: ``national-PK`` or ``centre-<id>``.

    ``centres`` are all centres (only admins are offered other countries and centres).
    """
    from mrc.i18n import country_name

    if user.role == Role.ADMIN:
        countries = sorted({centre.country for centre in centres})
        wanted_centres = centres
    elif user.centre is not None:
        countries = [user.centre.country]
        wanted_centres = [user.centre]
    else:
        return []
    choices: list[tuple[str, object]] = [
        (f"national-{country}",
         _l("National: every centre in %(country)s", country=country_name(country)))
        for country in countries
    ]
    choices += [
        (f"centre-{centre.id}", _l("Local: %(centre)s only", centre=centre.name))
        for centre in wanted_centres
    ]
    return choices


def parse_scope(value: str, centres: list[Centre]) -> tuple[str, int | None] | None:
    """``national-PK`` -> ("PK", None); ``centre-3`` -> (country of centre 3, 3); else None."""
    kind, _, rest = (value or "").partition("-")
    if kind == "national" and len(rest) == 2 and rest.isalpha():
        return rest.upper(), None
    if kind == "centre" and rest.isdigit():
        for centre in centres:
            if centre.id == int(rest):
                return centre.country, centre.id
    return None


def scope_value(partner: Partner) -> str:
    return f"centre-{partner.centre_id}" if partner.centre_id else f"national-{partner.country}"


# --- reading ----------------------------------------------------------------------------------

def offers_service(code: str):
    """SQL condition: the partner's space-separated ``services`` contain ``code``."""
    return (literal(" ") + Partner.services + literal(" ")).contains(f" {code} ", autoescape=True)


def list_partners(actor: Actor, *, kind: str | None = None, service: str | None = None,
                  page: int = 1, per_page: int = 25):
    """A page of the partners the actor can see, active first, then by name."""
    statement = scoped(Partner, actor.user)
    if kind:
        statement = statement.where(Partner.kind == kind)
    if service:
        statement = statement.where(offers_service(service))
    statement = statement.order_by(Partner.active.desc(), Partner.name, Partner.id)
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def partners_for_centre(user: User, centre: Centre, *, service: str | None = None
                        ) -> list[Partner]:
    """Active partners that ``user`` can see and that serve ``centre`` (its own or national)."""
    statement = scoped(Partner, user).where(
        Partner.active.is_(True),
        or_(Partner.centre_id == centre.id,
            and_(Partner.centre_id.is_(None), Partner.country == centre.country)),
    )
    if service:
        statement = statement.where(offers_service(service))
    return list(db.session.scalars(statement.order_by(Partner.name, Partner.id)))


# --- writing ----------------------------------------------------------------------------------

def _check_target(actor: Actor, data: PartnerData) -> None:
    if data.centre_id is not None:
        centre = db.session.get(Centre, data.centre_id)
        if centre is None:
            raise PartnerPermissionError("no such centre")
        data.country = centre.country  # a local partner is in its centre's country
    if not may_manage(actor.user, data.country, data.centre_id):
        raise PartnerPermissionError("not allowed to keep partners there")


def create_partner(actor: Actor, data: PartnerData) -> Partner:
    """Add a partner. Raises ``PartnerPermissionError`` if the actor may not keep it there."""
    if not may_create_partners(actor.user):
        raise PartnerPermissionError("only managers and admins add partners")
    _check_target(actor, data)
    partner = Partner(**{f.name: getattr(data, f.name) for f in fields(PartnerData)})
    db.session.add(partner)
    db.session.flush()
    audit.record(actor, "create", object_type="partner", object_id=partner.id,
                 centre_id=partner.centre_id,
                 summary="created " + ("national" if partner.is_national else "local") + " partner")
    db.session.commit()
    return partner


def update_partner(actor: Actor, partner: Partner, data: PartnerData) -> list[str]:
    """Save changes; returns the changed field names. Raises ``PartnerPermissionError``."""
    if not may_edit_partner(actor.user, partner):
        raise PartnerPermissionError("not allowed to change this partner")
    _check_target(actor, data)
    changed = []
    for f in fields(PartnerData):
        value = getattr(data, f.name)
        if getattr(partner, f.name) != value:
            setattr(partner, f.name, value)
            changed.append(f.name)
    if changed:
        audit.record(actor, "update", object_type="partner", object_id=partner.id,
                     centre_id=partner.centre_id, summary="changed: " + ", ".join(changed))
    db.session.commit()
    return changed
