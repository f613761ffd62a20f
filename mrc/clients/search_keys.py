"""Normalised keys under which a client is found: name words, phone digits, ID characters.

Names are folded so that case, Latin diacritics, Arabic short vowels and the letter variants
that Urdu, Persian, Kurdish and Arabic keyboards produce for "the same" letter all meet.
"""

import re
import unicodedata
from functools import lru_cache

import phonenumbers

from mrc.clients.name_sounds import sound_keys
from mrc.i18n import normalise_digits

# Marks to drop: Latin combining diacritics, Arabic harakat, superscript alef, Quranic marks,
# tatweel.
_DROPPED = re.compile("[\u0300-\u036f\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")

# Letter variants folded to one form (Arabic vs Persian/Urdu/Kurdish code points).
_LETTER_FOLDS = str.maketrans(
    {
        "\u064a": "\u06cc",  # ي Arabic yeh -> ی Farsi yeh
        "\u0649": "\u06cc",  # ى alef maksura -> ی
        "\u06d2": "\u06cc",  # ے Urdu yeh barree -> ی
        "\u06ce": "\u06cc",  # ێ Kurdish yeh with v -> ی
        "\u0643": "\u06a9",  # ك Arabic kaf -> ک keheh
        "\u0647": "\u06c1",  # ه heh -> ہ heh goal (Urdu)
        "\u06d5": "\u06c1",  # ە Kurdish ae -> ہ
        "\u0629": "\u06c1",  # ة teh marbuta -> ہ
        "\u06c3": "\u06c1",  # ۃ
        "\u0623": "\u0627",  # أ -> ا
        "\u0625": "\u0627",  # إ -> ا
        "\u0622": "\u0627",  # آ -> ا
        "\u0671": "\u0627",  # ٱ -> ا
        "\u0624": "\u0648",  # ؤ -> و
        "\u0626": "\u06cc",  # ئ -> ی
        "\u200c": " ",  # zero-width non-joiner separates words for search
        "\u200d": None,  # zero-width joiner
    }
)

_APOSTROPHES = re.compile("['’ʼ`]")

# The longest value a key column holds (``ClientSearchKey.value``).
KEY_LENGTH = 100


def fold_text(text: str) -> str:
    """Case-, diacritic- and letter-variant-insensitive form of ``text``."""
    text = unicodedata.normalize("NFKD", text)
    text = _DROPPED.sub("", text)
    text = unicodedata.normalize("NFC", text).translate(_LETTER_FOLDS)
    return text.casefold()


def name_words(*names: str) -> list[str]:
    """The distinct folded words of the given names, in order."""
    return list(_name_words(names))


# Names repeat (a registry holds thousands of Muhammads) and the duplicate check folds and
# keys every candidate's names: the pure functions below are cached per distinct name.
@lru_cache(maxsize=50_000)
def _name_words(names: tuple[str, ...]) -> tuple[str, ...]:
    words: list[str] = []
    for name in names:
        # Letters, marks (Bengali vowel signs are marks) and digits make words; anything else
        # separates them. Apostrophes join: O'Brien -> obrien.
        folded = _APOSTROPHES.sub("", fold_text(name or ""))
        separated = "".join(
            char if unicodedata.category(char)[0] in "LMN" else " " for char in folded
        )
        for word in separated.split():
            if word not in words:
                words.append(word[:KEY_LENGTH])
    return tuple(words)


def identifier_key(text: str) -> str:
    """Letters and digits only, upper case: ``35202-1234567-1`` -> ``3520212345671``."""
    return re.sub(r"[^0-9A-Z]", "", normalise_digits(text or "").upper())


def parse_phone(text: str, default_region: str) -> phonenumbers.PhoneNumber | None:
    """The phone number in ``text``, read with ``default_region`` when it has no country code."""
    text = normalise_digits(text or "").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        return phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        return None


def phone_key_candidates(text: str, default_region: str) -> list[str]:
    """Keys a typed phone may match: its E.164 digits, and the bare digits as typed."""
    keys = []
    number = parse_phone(text, default_region)
    if number is not None and phonenumbers.is_possible_number(number):
        keys.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:])
    digits = re.sub(r"\D", "", normalise_digits(text or ""))
    if len(digits) >= 7 and digits not in keys:
        keys.append(digits)
    return keys


def spelling_variants(name: str) -> list[str]:
    """``name``, and the other reading of a Latin "dh" when it has one.

    Latin "dh" writes the Arabic ذ/ض/ظ in Iraqi names (Kadhim = Kazim = كاظم) but the aspirated
    d of South Asian names (Chaudhry = چودھری = চৌধুরী), so a name with "dh" is keyed both ways.
    """
    variants = [name]
    if "dh" in (name or "").casefold():
        variants.append(re.sub("dh", "z", name, flags=re.IGNORECASE))
    return variants


def name_sound_keys(*names: str) -> list[str]:
    """The distinct sound keys (``mrc.clients.name_sounds``) of the given names, in order."""
    return list(_name_sound_keys(names))


@lru_cache(maxsize=50_000)
def _name_sound_keys(names: tuple[str, ...]) -> tuple[str, ...]:
    keys: list[str] = []
    for name in names:
        for key in sound_keys(name_words(name)):
            if key not in keys:
                keys.append(key[:KEY_LENGTH])
    return tuple(keys)


# Sound keys shorter than this get no typo keys: their one-letter deletions ("l", "a") would
# match nearly everyone.
TYPO_KEY_MIN_LENGTH = 3


def typo_keys(sound_key: str) -> list[str]:
    """The key and its one-letter deletions: two keys one typing mistake apart (a letter
    dropped, added, replaced or two swapped) always share one of them ("krm" and "km" for
    Karim / Kaim; "kdm" and "kzm" share "km")."""
    if len(sound_key) < TYPO_KEY_MIN_LENGTH:
        return []
    keys = [sound_key]
    for index in range(len(sound_key)):
        deleted = sound_key[:index] + sound_key[index + 1:]
        if deleted not in keys:
            keys.append(deleted)
    return keys


def key_pair(first: str, second: str) -> str | None:
    """The key of two different keys, in either order: the ``pair`` of two sound keys ("ala
    mhmd" for Ali and Muhammad), the ``words`` of two name words ("ali muhammad"); None when
    it would not fit the key column."""
    pair = " ".join(sorted((first, second)))
    return pair if first != second and len(pair) <= KEY_LENGTH else None


def key_pairs(keys) -> list[str]:
    """The keys of every two of ``keys`` (``key_pair``, each once)."""
    distinct = list(dict.fromkeys(keys))
    pairs = (key_pair(first, second) for index, first in enumerate(distinct)
             for second in distinct[index + 1:])
    return [pair for pair in pairs if pair is not None]


def client_keys(client) -> list[tuple[str, str]]:
    """All (kind, value) search keys of a client record, or of a row with its columns."""
    return keys_for(
        names=[" ".join(part for part in (client.given_name, client.family_name) if part),
               " ".join(part for part in (client.given_name_native, client.family_name_native)
                        if part)],
        phone_e164=client.phone or "",
        national_id=client.national_id or "",
        father_name=client.father_name or "",
    )


def keys_for(*, names: list[str], phone_e164: str, national_id: str,
             father_name: str = "") -> list[tuple[str, str]]:
    """All (kind, value) search keys of one client.

    ``names`` are full names (given and family name together, so "Abdul | Rahman" joins up
    as "Abd al-Rahman" does). ``name`` keys: folded name words (prefix search in the script
    typed); ``sound`` keys: cross-script sound keys (of both readings of a Latin "dh");
    ``typo`` keys: each sound key and its one-letter deletions, so that a name with one typing
    mistake is still found; ``pair`` keys: every two of the sound keys (``key_pairs``), so
    that a search for two names, each had by thousands (Muhammad and Ali), reads only those
    who have both; ``words`` keys: every two of the name words, the same for two names as
    typed ("Muha Ali": those whose words start so); ``father`` keys: sound keys of the
    father's name.
    """
    words = name_words(*names)
    keys = [("name", word) for word in words]
    sounds = name_sound_keys(*[variant for name in names for variant in spelling_variants(name)])
    keys += [("sound", key) for key in sounds]
    typos: list[str] = []
    for key in sounds:
        typos += [typo for typo in typo_keys(key) if typo not in typos]
    keys += [("typo", key) for key in typos]
    keys += [("pair", pair) for pair in key_pairs(sounds)]
    keys += [("words", pair) for pair in key_pairs(words)]
    if father_name:
        keys += [("father", key)
                 for key in name_sound_keys(*spelling_variants(father_name))]
    if phone_e164:
        keys.append(("phone", phone_e164.lstrip("+")))
    if national_id:
        keys.append(("nid", identifier_key(national_id)))
    return keys
