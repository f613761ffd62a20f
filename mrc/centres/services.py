"""Centres: the five MRCs seeded at ``flask mrc init``, their local time, and admin edits."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from mrc.actor import Actor
from mrc.audit import services as audit
from mrc.centres.models import Centre
from mrc.database import utcnow
from mrc.extensions import db

# The Migrant Resource Centres the service starts with. Contact details are filled in by an
# admin from the centres page; none are invented here.
SEED_CENTRES = [
    dict(code="ISB", name="Migrant Resource Centre Islamabad", country="PK", city="Islamabad",
         timezone="Asia/Karachi", default_locale="en"),
    dict(code="LHR", name="Migrant Resource Centre Lahore", country="PK", city="Lahore",
         timezone="Asia/Karachi", default_locale="ur"),
    dict(code="BGW", name="Migrant Resource Centre Baghdad", country="IQ", city="Baghdad",
         timezone="Asia/Baghdad", default_locale="ar"),
    dict(code="EBL", name="Migrant Resource Centre Erbil", country="IQ", city="Erbil",
         timezone="Asia/Baghdad", default_locale="ckb"),
    dict(code="DAC", name="Migrant Resource Centre Dhaka", country="BD", city="Dhaka",
         timezone="Asia/Dhaka", default_locale="bn"),
]


def seed_centres() -> list[str]:
    """Create the seed centres that do not exist yet; return the codes created."""
    existing = set(db.session.scalars(select(Centre.code)))
    created = []
    for values in SEED_CENTRES:
        if values["code"] not in existing:
            db.session.add(Centre(**values))
            created.append(values["code"])
    db.session.commit()
    return created


def all_centres() -> list[Centre]:
    return list(db.session.scalars(select(Centre).order_by(Centre.code)))


def centre_now(centre: Centre) -> datetime:
    return utcnow().astimezone(ZoneInfo(centre.timezone))


def centre_today(centre: Centre) -> date:
    return centre_now(centre).date()


EDITABLE_FIELDS = ("name", "city", "address", "phone", "email", "default_locale", "timezone",
                   "active", "retention_years",
                   "open_from_day", "open_to_day", "opens_at", "closes_at")


def update_centre(actor: Actor, centre: Centre, **values) -> None:
    changed = []
    for field in EDITABLE_FIELDS:
        if field in values and getattr(centre, field) != values[field]:
            setattr(centre, field, values[field])
            changed.append(field)
    if changed:
        audit.record(actor, "update", object_type="centre", object_id=centre.id,
                     centre_id=centre.id, summary="changed: " + ", ".join(changed))
    db.session.commit()
