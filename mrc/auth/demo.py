"""Demo staff for trying the service: one counsellor and one manager per centre."""

import os

from sqlalchemy import select

from mrc.auth.models import Role, User
from mrc.auth.services import create_user
from mrc.centres.models import Centre
from mrc.extensions import db

DEFAULT_DEMO_PASSWORD = "demo staff password 2026"


def demo_password() -> str:
    return os.environ.get("MRC_DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)


def ensure_demo_staff() -> list[tuple[Centre, User]]:
    """Create ``<code>-counsellor`` and ``<code>-manager`` for every centre that lacks them.

    Returns (centre, counsellor) pairs.
    """
    pairs = []
    for centre in db.session.scalars(select(Centre).order_by(Centre.code)):
        accounts = {}
        for role in (Role.COUNSELLOR, Role.MANAGER):
            username = f"{centre.code.lower()}-{role.value}"
            user = db.session.scalar(select(User).where(User.username == username))
            if user is None:
                user = create_user(
                    None,
                    username=username,
                    display_name=f"{centre.city} {role.value}",
                    password=demo_password(),
                    role=role,
                    centre_id=centre.id,
                    preferred_locale=None,
                )
            accounts[role] = user
        pairs.append((centre, accounts[Role.COUNSELLOR]))
    return pairs
