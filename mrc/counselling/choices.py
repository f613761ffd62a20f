"""Controlled vocabularies of counselling sessions: stored values and their translatable labels."""

from flask_babel import lazy_gettext as _l

from mrc.clients.choices import label_for

CHANNELS = [
    ("walk_in", _l("Walk-in")),
    ("phone", _l("Phone or hotline")),
    ("messaging", _l("Messaging (WhatsApp, Imo, Viber…)")),
    ("video", _l("Video call")),
]

TOPICS = [
    ("legal_pathways", _l("Legal pathways")),
    ("recruitment_visas", _l("Recruitment and visas")),
    ("fraudulent_recruitment", _l("Fraudulent recruitment")),
    ("rights_contracts", _l("Rights and contracts")),
    ("skills_training", _l("Skills and training")),
    ("education_abroad", _l("Education abroad")),
    ("remittances", _l("Remittances")),
    ("return_reintegration", _l("Return and reintegration")),
    ("trafficking_smuggling", _l("Trafficking and smuggling risks")),
    ("other", _l("Other")),
]

# Information about regular pathways given in the session ("none" stands alone).
PATHWAYS = [
    ("government_channel", _l("Government recruitment channel (BEOE/OEC, BMET/BOESL)")),
    ("talent_partnership", _l("EU Talent Partnership / skills partnership")),
    ("study_abroad", _l("Study abroad")),
    ("seasonal_circular", _l("Seasonal or circular work scheme")),
    ("family_reunification", _l("Family reunification")),
    ("none", _l("None")),
]
NO_PATHWAY = "none"


def labels_for(choices, codes: str | list[str]) -> list[str]:
    """Translated labels of space-separated (or listed) codes, in the vocabulary's order."""
    wanted = codes.split() if isinstance(codes, str) else list(codes)
    known = [value for value, _label in choices if value in wanted]
    unknown = [code for code in wanted if code not in known]
    return [label_for(choices, code) for code in known + unknown]


__all__ = ["CHANNELS", "TOPICS", "PATHWAYS", "NO_PATHWAY", "label_for", "labels_for"]
