"""Locale selection, text direction, digits and CLDR names."""

from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime as babel_format_datetime
from babel.lists import format_list
from flask import current_app, has_request_context, request, session
from flask_babel import format_datetime, format_time, get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

# Locale code -> the language's own name in its own script (shown in the switcher).
LANGUAGES = {
    "en": "English",
    "ur": "اردو",
    "ar": "العربية",
    "ckb": "کوردیی ناوەندی",
    "bn": "বাংলা",
    "ps": "پښتو",
    "fa_AF": "دری",
}
RIGHT_TO_LEFT = frozenset({"ur", "ar", "ckb", "ps", "fa_AF"})

# Arabic-Indic (U+0660..), Extended Arabic-Indic (U+06F0..) and Bengali (U+09E6..) digits.
_DIGIT_TRANSLATION = {
    base + offset: str(offset)
    for base in (0x0660, 0x06F0, 0x09E6)
    for offset in range(10)
}


def isolate(text) -> str:
    """Wrap user data placed inside a translated sentence in a Unicode first-strong isolate.

    A Latin name or a phone number inside an Urdu sentence (and an Urdu name inside an English
    one) then keeps its own direction without reordering the words around it.
    """
    return f"\u2068{text}\u2069"


def ltr(text) -> str:
    """Isolate a left-to-right item (phone number, ID, URL) inside any text.

    Without an isolate the digit groups of a phone number are reversed inside Urdu or Arabic.
    The direction is stated rather than left to the first strong character, since numbers
    have none. Used by web pages and printed sheets alike.
    """
    return f"\u2066{text}\u2069"


def rtl(text) -> str:
    """Isolate a right-to-left item inside left-to-right text."""
    return f"\u2067{text}\u2069"


def normalise_digits(text: str | None) -> str | None:
    """Replace Arabic-Indic, Persian and Bengali digits with ASCII digits."""
    if text is None:
        return None
    return text.translate(_DIGIT_TRANSLATION)


def select_locale() -> str:
    """User's saved preference, then the session's choice, then Accept-Language, then centre.

    Outside a request (command line, tests of services) the default locale is used.
    """
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.preferred_locale:
        if current_user.preferred_locale in LANGUAGES:
            return current_user.preferred_locale
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    # Accept-Language uses hyphens (fa-AF); our catalogue codes use underscores.
    offered = {code.replace("_", "-"): code for code in LANGUAGES}
    best = request.accept_languages.best_match(list(offered) + ["fa"])
    if best == "fa":
        return "fa_AF"
    if best:
        return offered[best]
    if current_user and current_user.is_authenticated and current_user.centre:
        return current_user.centre.default_locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str | None:
    """Dates show in the user's centre's time zone; admins without a centre see UTC."""
    if not has_request_context():
        return None
    if current_user and current_user.is_authenticated and current_user.centre:
        return current_user.centre.timezone
    return None


def format_local_datetime(value: datetime | None, fmt: str = "medium", *,
                          zone: str | None = None) -> str:
    """``value`` in the time zone of ``zone`` (a centre's, for documents about its records),
    or else as pages show times: in the user's centre's time zone, or for a user without a
    centre (an admin) in UTC, said after the time so that it is not read as a centre's."""
    if value is None:
        return ""
    if zone is not None:
        return babel_format_datetime(value, fmt, tzinfo=ZoneInfo(zone), locale=get_locale())
    return _said_if_utc(format_datetime(value, fmt))


def format_local_time(value: datetime | None, fmt: str = "short") -> str:
    """The time of day of ``value`` as pages show times (``format_local_datetime``)."""
    return "" if value is None else _said_if_utc(format_time(value, fmt))


def _said_if_utc(shown: str) -> str:
    if has_request_context() and select_timezone() is None:
        # Isolated: inside a right-to-left sentence "26/11/26 12:39 PM" and "UTC" otherwise
        # run together and reorder (the digits apart from "PM UTC").
        return gettext("%(time)s UTC", time=isolate(shown))
    return shown


def format_item_list(items) -> str:
    """Items joined as the user's language joins a list: "a, b, and c"; Urdu "a، b، اور c";
    Arabic "a وb وc" (CLDR, through Babel)."""
    items = [str(item) for item in items]
    return format_list(items, locale=get_locale()) if items else ""


def text_direction() -> str:
    return "rtl" if str(get_locale()) in RIGHT_TO_LEFT else "ltr"


def html_lang() -> str:
    """BCP 47 tag for ``<html lang>``: fa_AF -> fa-AF."""
    return str(get_locale()).replace("_", "-")


# Territory codes CLDR lists that are not countries a person can hold or go to.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB", "XK"}


def country_choices() -> list[tuple[str, str]]:
    """(ISO code, name in the UI language), sorted by name, from Babel/CLDR."""
    territories = get_locale().territories
    names = [
        (code, name)
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    ]
    names.append(("XK", territories.get("XK", "Kosovo")))
    return sorted(names, key=lambda pair: pair[1])


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return get_locale().territories.get(code, code)


# Languages of the clients that CLDR does not name in every UI language: without these,
# Saraiki showed as "سرائیکی" on English and Bengali pages.
_LANGUAGE_NAMES_CLDR_LACKS = {
    "skr": _l("Saraiki"),
    "bal": _l("Balochi"),
}


def language_name(code: str) -> str:
    """A language's name in the UI language, falling back to its own name, then the code."""
    name = get_locale().languages.get(code) or _LANGUAGE_NAMES_CLDR_LACKS.get(code)
    if name:
        return str(name)
    try:
        return Locale.parse(code).get_language_name(code) or code
    except (ValueError, UnknownLocaleError):
        return code


def script_language(text: str, centre_locale: str, country: str) -> str:
    """A BCP 47 tag for text in a client's own script, so that browsers pick a fitting font.

    Bengali script is Bengali; Arabic script is taken as the centre's language when that is
    written in Arabic script (Sorani in Erbil), else as the country's (Urdu in Islamabad).
    """
    if any("\u0980" <= char <= "\u09ff" for char in text):
        return "bn"
    if any("\u0600" <= char <= "\u06ff" for char in text):
        if centre_locale in RIGHT_TO_LEFT:
            return centre_locale.replace("_", "-")
        return {"PK": "ur", "AF": "fa-AF"}.get(country, "ar")
    return "und"
