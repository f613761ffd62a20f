"""Checks of client data. Each returns the cleaned value or raises ``ValueError`` with a
translated message meant to be shown beside the field."""

import re
import unicodedata
from datetime import date

import phonenumbers
from flask_babel import lazy_gettext as _l

from mrc.clients.search_keys import identifier_key, parse_phone
from mrc.errors import FieldError
from mrc.i18n import ltr, normalise_digits

NAME_MAX_LENGTH = 100
MIN_AGE, MAX_AGE = 10, 100

# Joiners are part of correct spelling in Persian-script and Bengali text; every other
# invisible formatting character (bidi overrides, zero-width spaces, BOM) is refused.
_ALLOWED_FORMAT_CHARACTERS = {"\u200c", "\u200d"}


def _has_hidden_characters(text: str) -> bool:
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Co", "Cn"):
            return True
        if category == "Cf" and char not in _ALLOWED_FORMAT_CHARACTERS:
            return True
    return False


def clean_name(text: str | None, *, latin: bool) -> str:
    """A name of 1 to 100 characters with no control or invisible formatting characters.

    ``latin`` names must be written in Latin letters (the native-script field is separate).
    """
    text = unicodedata.normalize("NFC", " ".join((text or "").split()))
    if len(text) > NAME_MAX_LENGTH:
        raise ValueError(
            _l("A name can have at most %(count)d characters.", count=NAME_MAX_LENGTH)
        )
    if _has_hidden_characters(text):
        raise ValueError(_l("The name contains control or invisible characters; retype it."))
    letters = [char for char in text if unicodedata.category(char)[0] == "L"]
    if text and not letters:
        raise ValueError(_l("A name must contain letters."))
    if latin and any(not ("LATIN" in unicodedata.name(char, "")) for char in letters):
        raise ValueError(
            _l("Write the name in Latin letters here; the name in another script has its own field.")
        )
    return text


# A mobile number of each centre's country, shown as the example in help texts and messages:
# a counsellor in Dhaka is shown a Bangladeshi number, not a Pakistani one.
_EXAMPLE_PHONES = {"PK": "+923001234567", "BD": "+8801712345678", "IQ": "+9647701234567"}


def phone_examples(region: str) -> tuple[str, str]:
    """An example phone number of ``region``, written locally and internationally, each
    isolated left to right (``ltr``) so that its digit groups keep their order in any text."""
    if region in _EXAMPLE_PHONES:
        number = phonenumbers.parse(_EXAMPLE_PHONES[region])
    else:
        number = (phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
                  or phonenumbers.parse(_EXAMPLE_PHONES["PK"]))
    return (ltr(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)),
            ltr(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)))


def clean_phone(text: str | None, default_region: str) -> str:
    """The phone number in E.164 (``+923001234567``), or '' when none was given."""
    text = (text or "").strip()
    if not text:
        return ""
    number = parse_phone(text, default_region)
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError(
            _l("This is not a valid phone number. Give it with the country code if it is not "
               "a local number, e.g. %(example)s.", example=phone_examples(default_region)[1])
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# National identity numbers by nationality: (allowed lengths in digits, message).
_NATIONAL_ID_RULES = {
    "PK": ((13,), _l("A Pakistani CNIC has 13 digits, e.g. 35202-1234567-1.")),
    "BD": ((10, 13, 17), _l("A Bangladeshi NID has 10, 13 or 17 digits.")),
    "IQ": ((12,), _l("An Iraqi national card number has 12 digits.")),
}


def clean_national_id(text: str | None, nationality: str) -> str:
    """The ID in its canonical form (CNIC with dashes, others as digits), or ''."""
    text = normalise_digits((text or "").strip())
    if not text:
        return ""
    rule = _NATIONAL_ID_RULES.get(nationality)
    if rule:
        lengths, message = rule
        if not re.fullmatch(r"[\d\s-]+", text):
            raise ValueError(message)
        digits = re.sub(r"\D", "", text)
        if len(digits) not in lengths:
            raise ValueError(message)
        if nationality == "PK":
            return f"{digits[:5]}-{digits[5:12]}-{digits[12]}"
        return digits
    key = identifier_key(text)
    if not 4 <= len(key) <= 30 or not re.fullmatch(r"[\w\s/-]+", text):
        raise ValueError(_l("An identity number has 4 to 30 letters and digits."))
    return text.upper()


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def check_birth(date_of_birth: date | None, birth_year: int | None, today: date) -> int:
    """The birth year, after checking the date or year gives an age from 10 to 100.

    Raises ``ValueError`` with ``.field`` naming the field to show the message beside.
    """
    if date_of_birth is not None:
        if date_of_birth > today:
            raise FieldError("date_of_birth", _l("The date of birth cannot be in the future."))
        if not MIN_AGE <= age_on(date_of_birth, today) <= MAX_AGE:
            raise FieldError(
                "date_of_birth",
                _l("The age must be between %(low)d and %(high)d years.", low=MIN_AGE, high=MAX_AGE),
            )
        if birth_year is not None and birth_year != date_of_birth.year:
            raise FieldError("birth_year", _l("The year of birth does not match the date of birth."))
        return date_of_birth.year
    if birth_year is None:
        raise FieldError("birth_year", _l("Give the date of birth or at least the year of birth."))
    if birth_year > today.year:
        raise FieldError("birth_year", _l("The year of birth cannot be in the future."))
    if not MIN_AGE <= today.year - birth_year <= MAX_AGE:
        raise FieldError(
            "birth_year",
            _l("The age must be between %(low)d and %(high)d years.", low=MIN_AGE, high=MAX_AGE),
        )
    return birth_year
