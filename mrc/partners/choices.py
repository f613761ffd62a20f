"""Kinds of partner organisation and the services a centre refers people to."""

from flask_babel import lazy_gettext as _l

from mrc.clients.choices import label_for  # noqa: F401  (templates use choices.label_for)

KINDS = [
    ("government", _l("Government")),
    ("ngo", _l("Non-governmental organisation")),
    ("training", _l("Training provider")),
    ("legal_aid", _l("Legal aid")),
    ("health", _l("Health and psychosocial support")),
    ("law_enforcement", _l("Law enforcement")),
    ("international", _l("International organisation")),
]

SERVICES = [
    ("emigration_registration", _l("Emigration registration and clearance")),
    ("recruiter_verification", _l("Checking a recruiter's licence")),
    ("public_recruitment", _l("Recruitment through a public agency")),
    ("skills_training", _l("Skills training and certification")),
    ("language_training", _l("Language training")),
    ("education_abroad", _l("Information on studying abroad")),
    ("legal_aid", _l("Legal advice and aid")),
    ("trafficking_complaint", _l("Reporting trafficking or smuggling")),
    ("psychosocial", _l("Psychosocial support")),
    ("health", _l("Health care")),
    ("welfare", _l("Welfare support for migrants and families")),
    ("reintegration", _l("Return and reintegration support")),
    ("displacement", _l("Support for displaced people and returnees")),
]
