"""How likely an existing client is the person being registered: a score and its reasons.

The registry first gathers candidates through its key index (same phone, same ID; with the
birth year within one year: the same name words, the same sound keys, all sound keys but one the
same and that one a typing mistake away, or the same father's name); this module then weighs
the evidence for and against each of them, so that a common name alone does not flood the
warning:
- identifiers weigh most: the same national ID or phone is near proof; two different national
  IDs are strong evidence of two people (a phone number changes more easily: weak evidence);
- the name: typed the same, spelled differently or written in another script (the same sound
  keys), or one typing mistake away (a weaker "spelled differently" that needs other evidence);
- birth: the same date, the same year, or one year apart (weak: three years of people with a
  common name share it); a different sex counts against;
- the district, where both records have one;
- the father's name, where both have one: the same or spelled differently counts for, another
  name counts strongly against (it is copied from the same ID card each time).
Only candidates whose score reaches ``SHOW_FROM`` are shown, best first. With the weights below
the same name (35) needs the same birth year (15) or one more agreement to be shown.

The weights were checked on the labelled set of ``benchmarks/duplicates_eval.py`` over several
seeds; change them together with a run of it.
"""

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar

from flask_babel import lazy_gettext as _l

from mrc.clients.search_keys import (
    fold_text,
    identifier_key,
    name_sound_keys,
    name_words,
    spelling_variants,
)

SHOW_FROM = 40

SAME_NATIONAL_ID = 100
OTHER_NATIONAL_ID = -60
SAME_PHONE = 80
OTHER_PHONE = -5
SAME_NAME = 35
SAME_NAME_WORDS_INCLUDED = 30
NAME_SOUNDS_ALIKE = 30
NAME_ONE_TYPO_APART = 20
SAME_DATE_OF_BIRTH = 20
SAME_BIRTH_YEAR = 15
BIRTH_YEAR_ONE_APART = 3
OTHER_SEX = -40
SAME_DISTRICT = 10
OTHER_DISTRICT = -15
SAME_FATHER = 25
FATHER_SPELLED_DIFFERENTLY = 20
OTHER_FATHER = -40

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
    "father": _l("same father's name"),
    "father_spelled": _l("father's name spelled differently"),
}
KNOWN_SEXES = {"female", "male"}
# "Muhammad" opens so many fathers' names (and is so often left out: "Muhammad Aslam" is also
# "Aslam") that it tells nothing about whose father it is.
UNINFORMATIVE_FATHER_KEYS = {"mhmd"}


@dataclass
class Evidence:
    score: int = 0
    reasons: list[str] = field(default_factory=list)

    def add(self, points: int, reason: str | None = None) -> None:
        self.score += points
        if reason is not None:
            self.reasons.append(reason)


@dataclass(slots=True)
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
    father_name: str = ""

    # A stored client's columns of these names, in this order, make a Person (``of_values``).
    FIELDS: ClassVar[tuple[str, ...]] = (
        "given_name", "family_name", "given_name_native", "family_name_native", "sex",
        "birth_year", "date_of_birth", "phone", "national_id", "district", "father_name")

    @classmethod
    def of(cls, record) -> "Person":
        """From a record with attributes of these names (a registration form's data)."""
        return cls.of_values([getattr(record, name) for name in cls.FIELDS])

    @classmethod
    def of_values(cls, values) -> "Person":
        """From the values of ``FIELDS`` in order (a row of those columns): a duplicate check
        makes dozens, and reading a row by position is several times cheaper than by name."""
        (given, family, given_native, family_native, sex, birth_year, date_of_birth, phone,
         national_id, district, father) = values
        return cls(given or "", family or "", given_native or "", family_native or "",
                   sex or "", birth_year, date_of_birth, phone or "", national_id or "",
                   district or "", father or "")

    @property
    def latin(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def native(self) -> str:
        return f"{self.given_name_native} {self.family_name_native}".strip()


def one_typo_apart(one: str, other: str) -> bool:
    """True when ``one`` becomes ``other`` by one typing mistake: a letter dropped, added or
    replaced, or two neighbours swapped (the optimal-string-alignment distance is 1)."""
    if one == other or abs(len(one) - len(other)) > 1:
        return False
    if len(one) > len(other):
        one, other = other, one
    start = 0
    while start < len(one) and one[start] == other[start]:
        start += 1
    if len(one) < len(other):  # one letter more in ``other``
        return one[start:] == other[start + 1:]
    if one[start + 1:] == other[start + 1:]:  # one letter replaced
        return True
    return (start + 1 < len(one) and one[start] == other[start + 1]
            and one[start + 1] == other[start] and one[start + 2:] == other[start + 2:])


@lru_cache(maxsize=8192)  # the same pairs of common names meet check after check
def _keys_within_one_typo(new_keys: tuple[str, ...], old_keys: frozenset[str]) -> bool:
    """Every key of the new name is among the old ones, all but one exactly and that one one
    typing mistake away (from a key of 3 letters or more: "Beom" / "Begum"). Two words at
    least: one word one typo away from another is too often simply another name (Asim, Usman)."""
    if len(new_keys) < 2:
        return False
    inexact = [key for key in new_keys if key not in old_keys]
    if len(inexact) != 1:
        return False
    return any(max(len(old), len(inexact[0])) >= 3 and one_typo_apart(inexact[0], old)
               for old in old_keys)


# A duplicate check scores dozens of stored clients against one new person, and common names
# (and districts) come back in every check: what is worked out from a stored name alone is
# kept for the names seen last.
@lru_cache(maxsize=8192)
def _word_set(name: str) -> frozenset[str]:
    return frozenset(name_words(name))


@lru_cache(maxsize=8192)
def _sound_forms(name: str) -> tuple[tuple[tuple[str, ...], frozenset[str]], ...]:
    """The sound keys of each reading of ``name`` (``search_keys.spelling_variants``), in
    order and as a set."""
    return tuple((tuple(keys), frozenset(keys))
                 for keys in (name_sound_keys(variant) for variant in spelling_variants(name))
                 if keys)


@lru_cache(maxsize=8192)
def _father_forms(name: str) -> tuple[frozenset[str], ...]:
    """The sound keys of each reading of a father's name, without the keys that tell nothing
    about whose father it is (unless that is all there is)."""
    return tuple(keys - UNINFORMATIVE_FATHER_KEYS or keys for _ordered, keys in _sound_forms(name))


@lru_cache(maxsize=8192)
def _name_forms(latin: str, native: str) -> tuple[tuple[frozenset[str], frozenset[str]],
                                                  tuple[tuple[bool, frozenset[str]], ...]]:
    """A stored client's name as the score compares it: the word sets of the Latin and the
    native name, and the sound keys of each reading of each (True for the Latin ones)."""
    return ((_word_set(latin), _word_set(native)),
            tuple((is_latin, keys) for is_latin, name in ((True, latin), (False, native))
                  for _ordered, keys in _sound_forms(name)))


@lru_cache(maxsize=1024)
def _folded_district(district: str) -> str:
    return fold_text(district).strip()


class Scorer:
    """The evidence that a stored client is the person ``new`` describes (a registration
    form). What depends on ``new`` alone is worked out once: a check scores dozens of stored
    clients.

    ``new_phone_keys``: the digits the typed phone may stand for (it is not normalised yet).
    """

    def __init__(self, new: Person, *, new_phone_keys: list[str]):
        self.new = new
        self.national_id = identifier_key(new.national_id) if new.national_id else ""
        self.phone_keys = frozenset(new_phone_keys)
        self.word_sets = (_word_set(new.latin), _word_set(new.native))
        self.sound_forms = [(is_latin, ordered, keys)
                            for is_latin, name in ((True, new.latin), (False, new.native))
                            for ordered, keys in _sound_forms(name)]
        self.father_words = _word_set(new.father_name) if new.father_name else frozenset()
        self.father_forms = _father_forms(new.father_name) if self.father_words else ()
        self.district = _folded_district(new.district) if new.district else ""

    def score(self, old: Person) -> Evidence:
        new = self.new
        evidence = Evidence()
        if self.national_id and old.national_id:
            if self.national_id == identifier_key(old.national_id):
                evidence.add(SAME_NATIONAL_ID, REASONS["national_id"])
            else:
                evidence.add(OTHER_NATIONAL_ID)
        if self.phone_keys and old.phone:
            if old.phone.lstrip("+") in self.phone_keys:
                evidence.add(SAME_PHONE, REASONS["phone"])
            else:
                evidence.add(OTHER_PHONE)
        name = self._name_evidence(old)
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
        father = self._father_evidence(old)
        if father:
            evidence.add(father[0], REASONS[father[1]] if father[1] else None)
        if self.district and old.district:
            if self.district == _folded_district(old.district):
                evidence.add(SAME_DISTRICT, REASONS["district"])
            else:
                evidence.add(OTHER_DISTRICT)
        # The reasons stay lazy strings: translated only for the few candidates shown.
        return evidence

    def _name_evidence(self, old: Person) -> tuple[int, str] | None:
        """The strongest name agreement between the two records, or None."""
        best: tuple[int, str] | None = None
        old_word_sets, old_forms = _name_forms(old.latin, old.native)
        for new_words, old_words in zip(self.word_sets, old_word_sets, strict=True):
            if not new_words:
                continue
            if new_words == old_words:
                return SAME_NAME, "name"
            if len(new_words) >= 2 and new_words <= old_words:
                best = (SAME_NAME_WORDS_INCLUDED, "name")
        if best:
            return best
        for new_is_latin, _ordered, new_keys in self.sound_forms:
            for old_is_latin, old_keys in old_forms:
                if new_keys <= old_keys:
                    return (NAME_SOUNDS_ALIKE,
                            "name_spelled" if new_is_latin == old_is_latin else "name_script")
        for new_is_latin, new_ordered, _keys in self.sound_forms:
            for old_is_latin, old_keys in old_forms:
                if _keys_within_one_typo(new_ordered, old_keys):
                    return (NAME_ONE_TYPO_APART,
                            "name_spelled" if new_is_latin == old_is_latin else "name_script")
        return None

    def _father_evidence(self, old: Person) -> tuple[int, str | None] | None:
        """How the fathers' names compare, when both records have one: the same; the same but
        spelled or written differently, one giving more of it ("Aslam" / "Muhammad Aslam") or
        one typing mistake in it; or clearly another name — evidence of another person, since
        a father's name is copied from the same card each time."""
        if not self.father_words or not old.father_name:
            return None
        old_words = _word_set(old.father_name)
        if not old_words:
            return None
        if self.father_words == old_words:
            return SAME_FATHER, "father"
        for new_set in self.father_forms:
            for old_set in _father_forms(old.father_name):
                if new_set <= old_set or old_set <= new_set:
                    return FATHER_SPELLED_DIFFERENTLY, "father_spelled"
                shorter, longer = sorted((new_set, old_set), key=len)
                if all(key in longer or any(one_typo_apart(key, other) for other in longer)
                       for key in shorter):
                    return FATHER_SPELLED_DIFFERENTLY, "father_spelled"
        return OTHER_FATHER, None


@lru_cache(maxsize=1024)  # the same searched term, for each client found
def _in_latin_script(text: str) -> bool:
    return all(unicodedata.name(char, "").startswith("LATIN") for char in text if char.isalpha())


@lru_cache(maxsize=8192)
def _all_sound_keys(name: str) -> frozenset[str]:
    """The sound keys of every reading of ``name`` together, as a client's search keys hold
    them."""
    return frozenset(key for _ordered, keys in _sound_forms(name) for key in keys)


def sounds_alike_reason(term: str, latin: str, native: str) -> str:
    """Why a client whose name sounds like the searched ``term`` was found: the key in
    ``REASONS`` of a name spelled differently in the script the term is typed in, or written in
    another script (``latin`` and ``native``: the client's names)."""
    same_script, other_script = (latin, native) if _in_latin_script(term) else (native, latin)
    readings = [keys for _ordered, keys in _sound_forms(term)]
    if not any(keys <= _all_sound_keys(same_script) for keys in readings) and any(
            keys <= _all_sound_keys(other_script) for keys in readings):
        return "name_script"
    return "name_spelled"
