"""How likely an existing client is the person being registered: a score and its reasons.

The registry first gathers candidates through its key index (same phone, same ID, the same name
words or the same sound keys with the birth year within one year); this module then weighs the
evidence for and against each of them, so that a common name alone does not flood the warning:
- identifiers weigh most: the same national ID or phone is near proof; two different national
  IDs are strong evidence of two people (a phone number changes more easily: weak evidence);
- the name: typed the same, spelled differently, or written in another script;
- birth: the same date, the same year, or one year apart; a different sex counts against;
- the district, where both records have one.
Only candidates whose score reaches ``SHOW_FROM`` are shown, best first.
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from mrc.clients.search_keys import fold_text, identifier_key, name_sound_keys, name_words

SHOW_FROM = 40

SAME_NATIONAL_ID = 100
OTHER_NATIONAL_ID = -60
SAME_PHONE = 80
OTHER_PHONE = -10
SAME_NAME = 40
SAME_NAME_WORDS_INCLUDED = 30
NAME_SOUNDS_ALIKE = 30
SAME_DATE_OF_BIRTH = 20
SAME_BIRTH_YEAR = 10
BIRTH_YEAR_ONE_APART = 3
OTHER_SEX = -40
SAME_DISTRICT = 10
OTHER_DISTRICT = -15

REASONS = {
    "national_id": _l("same national ID"),
    "phone": _l("same phone number"),
    "name": _l("same name"),
    "name_spelled": _l("name spelled differently"),
    "name_script": _l("name written in another script"),
    "date_of_birth": _l("same date of birth"),
    "birth_year": _l("same birth year"),
    "birth_near": _l("born within a year"),
    "district": _l("same district"),
}
KNOWN_SEXES = {"female", "male"}


@dataclass
class Evidence:
    score: int = 0
    reasons: list[str] = field(default_factory=list)

    def add(self, points: int, reason: str | None = None) -> None:
        self.score += points
        if reason is not None:
            self.reasons.append(reason)


@dataclass(frozen=True)
class Person:
    """The fields matching looks at, from a form or from a stored client."""

    given_name: str
    family_name: str
    given_name_native: str
    family_name_native: str
    sex: str
    birth_year: int | None
    date_of_birth: object
    phone: str  # E.164 or as typed
    national_id: str
    district: str

    @classmethod
    def of(cls, record) -> "Person":
        return cls(*(getattr(record, name) or "" for name in (
            "given_name", "family_name", "given_name_native", "family_name_native", "sex")),
            record.birth_year, record.date_of_birth, record.phone or "",
            record.national_id or "", record.district or "")

    @property
    def latin(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def native(self) -> str:
        return f"{self.given_name_native} {self.family_name_native}".strip()


def _name_evidence(new: Person, old: Person) -> tuple[int, str] | None:
    """The strongest name agreement between the two records, or None."""
    best: tuple[int, str] | None = None
    for new_name, old_name in ((new.latin, old.latin), (new.native, old.native)):
        new_words, old_words = set(name_words(new_name)), set(name_words(old_name))
        if new_words and new_words == old_words:
            return SAME_NAME, "name"
        if new_words and len(new_words) >= 2 and new_words <= old_words:
            best = (SAME_NAME_WORDS_INCLUDED, "name")
    if best:
        return best
    for new_is_latin, new_name in ((True, new.latin), (False, new.native)):
        new_keys = set(name_sound_keys(new_name))
        if not new_keys:
            continue
        for old_is_latin, old_name in ((True, old.latin), (False, old.native)):
            old_keys = set(name_sound_keys(old_name))
            if old_keys and new_keys <= old_keys:
                same_script = new_is_latin == old_is_latin
                return NAME_SOUNDS_ALIKE, "name_spelled" if same_script else "name_script"
    return None


def score(new: Person, old: Person, *, new_phone_keys: list[str]) -> Evidence:
    """The evidence that ``old`` (a stored client) is the person ``new`` describes.

    ``new_phone_keys``: the digits the typed phone may stand for (it is not normalised yet).
    """
    evidence = Evidence()
    if new.national_id and old.national_id:
        if identifier_key(new.national_id) == identifier_key(old.national_id):
            evidence.add(SAME_NATIONAL_ID, REASONS["national_id"])
        else:
            evidence.add(OTHER_NATIONAL_ID)
    if new_phone_keys and old.phone:
        if old.phone.lstrip("+") in new_phone_keys:
            evidence.add(SAME_PHONE, REASONS["phone"])
        else:
            evidence.add(OTHER_PHONE)
    name = _name_evidence(new, old)
    if name:
        evidence.add(name[0], REASONS[name[1]])
    if new.date_of_birth and old.date_of_birth and new.date_of_birth == old.date_of_birth:
        evidence.add(SAME_DATE_OF_BIRTH, REASONS["date_of_birth"])
    elif new.birth_year and old.birth_year:
        if new.birth_year == old.birth_year:
            evidence.add(SAME_BIRTH_YEAR, REASONS["birth_year"])
        elif abs(new.birth_year - old.birth_year) == 1:
            evidence.add(BIRTH_YEAR_ONE_APART, REASONS["birth_near"])
    if new.sex in KNOWN_SEXES and old.sex in KNOWN_SEXES and new.sex != old.sex:
        evidence.add(OTHER_SEX)
    if new.district and old.district:
        if fold_text(new.district).strip() == fold_text(old.district).strip():
            evidence.add(SAME_DISTRICT, REASONS["district"])
        else:
            evidence.add(OTHER_DISTRICT)
    evidence.reasons = [str(reason) for reason in evidence.reasons]
    return evidence
