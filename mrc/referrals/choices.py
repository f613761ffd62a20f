"""Stored values of a referral and their translatable labels."""

from flask_babel import lazy_gettext as _l

from mrc.clients.choices import label_for  # noqa: F401  (templates use choices.label_for)
from mrc.partners.choices import SERVICES  # noqa: F401

STATUSES = [
    ("made", _l("Made")),
    ("accepted", _l("Accepted by the partner")),
    ("completed", _l("Completed")),
    ("declined", _l("Declined by the partner")),
    ("no_show", _l("Did not attend")),
    ("lost_to_follow_up", _l("Lost to follow-up")),
    ("withdrawn", _l("Withdrawn")),
]

URGENCIES = [
    ("routine", _l("Routine")),
    ("urgent", _l("Urgent")),
    ("emergency", _l("Emergency")),
]
