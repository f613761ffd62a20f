"""The partner directory."""

from sqlalchemy import select

from mrc.extensions import db
from mrc.partners.models import Partner
from mrc.partners.seeds import STARTER_PARTNERS


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
