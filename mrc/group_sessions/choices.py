"""Controlled vocabularies of group sessions: stored values and their translatable labels."""

from flask_babel import lazy_gettext as _l

from mrc.clients.choices import SEX, label_for
from mrc.counselling.choices import TOPICS as COUNSELLING_TOPICS
from mrc.counselling.choices import labels_for

KINDS = [
    ("pdo", _l("Pre-departure orientation")),
    ("awareness", _l("Awareness session")),
    ("outreach", _l("Community outreach")),
]
PDO = "pdo"

VENUE_TYPES = [
    ("centre", _l("The centre")),
    ("protectorate", _l("Protectorate of Emigrants office")),
    ("technical_school", _l("Technical school")),
    ("university", _l("University")),
    ("community", _l("Community venue")),
]

# The same topics as individual counselling, so that statistics can put them side by side.
TOPICS = COUNSELLING_TOPICS

# People counted without registering: the sexes a facilitator can count in a room.
HEAD_COUNT_SEXES = [(value, label) for value, label in SEX if value != "not_stated"]

# Age groups of the statistics (age at the session date). ``None`` is "age not known".
AGE_GROUPS = [
    ("under_18", _l("Under 18")),
    ("18_24", _l("18 to 24")),
    ("25_34", _l("25 to 34")),
    ("35_49", _l("35 to 49")),
    ("50_plus", _l("50 and over")),
]
AGE_UNKNOWN_LABEL = _l("Age not known")


__all__ = ["KINDS", "PDO", "VENUE_TYPES", "TOPICS", "HEAD_COUNT_SEXES", "AGE_GROUPS",
           "AGE_UNKNOWN_LABEL", "label_for", "labels_for"]
