"""Controlled vocabularies of the client record: stored values and their translatable labels."""

from flask_babel import lazy_gettext as _l

SEX = [
    ("female", _l("Female")),
    ("male", _l("Male")),
    ("other", _l("Other")),
    ("not_stated", _l("Not stated")),
]

MIGRATION_STATUS = [
    ("potential", _l("Potential migrant")),
    ("intending", _l("Intending migrant")),
    ("outgoing", _l("Outgoing migrant")),
    ("returnee", _l("Returnee")),
    ("family_member", _l("Family member of a migrant")),
]

EDUCATION = [
    ("none", _l("No formal education")),
    ("primary", _l("Primary")),
    ("secondary", _l("Secondary (matriculation)")),
    ("higher_secondary", _l("Higher secondary (intermediate)")),
    ("vocational", _l("Vocational or technical diploma")),
    ("bachelor", _l("Bachelor's degree")),
    ("master", _l("Master's degree or above")),
]

SECTOR = [
    ("construction", _l("Construction")),
    ("manufacturing", _l("Manufacturing")),
    ("hospitality", _l("Hotels and restaurants")),
    ("health_care", _l("Health and care work")),
    ("domestic_work", _l("Domestic work")),
    ("agriculture", _l("Agriculture")),
    ("transport", _l("Driving and transport")),
    ("it", _l("Information technology")),
    ("security", _l("Security services")),
    ("study", _l("Study")),
    ("other", _l("Other")),
]

HEARD_ABOUT = [
    ("social_media", _l("Social media")),
    ("family_friends", _l("Family or friends")),
    ("tv_radio", _l("TV or radio")),
    ("awareness_session", _l("Awareness session")),
    ("protectorate", _l("Protectorate or government office")),
    ("partner_referral", _l("Referred by a partner organisation")),
    ("hotline", _l("Hotline")),
    ("walk_in", _l("Walked past the centre")),
    ("other", _l("Other")),
]

# Languages a client may speak, as CLDR codes; their names come from Babel in the UI locale.
# Dari is fa_AF and Kurmanji is ku, the codes under which CLDR names them.
LANGUAGES = ["ur", "pa", "ps", "sd", "bal", "skr", "fa_AF", "fa", "ar", "ckb", "ku", "tr",
             "bn", "hi", "en"]

CONSENT_PURPOSES = [
    ("consent_services", _l("Recording their data to receive the centre's services")),
    ("consent_follow_up", _l("Being contacted for follow-up")),
    ("consent_referral_sharing", _l("Sharing their data with partners they are referred to")),
    ("consent_statistics", _l("Use of their data in anonymous statistics")),
]


def label_for(choices, value) -> str:
    """The translated label of a stored value, or the value itself if it is unknown."""
    for stored, label in choices:
        if stored == value:
            return str(label)
    return value or ""
