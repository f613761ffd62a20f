"""Form helpers shared by every feature: the base form, digit-tolerant fields, options."""

import re

import flask_babel
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import Regexp, StopValidation
from wtforms.widgets import TextInput

from mrc.i18n import normalise_digits


def strip_and_normalise_digits(value):
    if value is None:
        return None
    return normalise_digits(value).strip()


class LocalDigitsIntegerField(IntegerField):
    """An integer typed in Latin, Arabic-Indic or Bengali digits.

    Rendered as a text input with a numeric keyboard: a browser's number input would refuse
    the non-Latin digits before the server could normalise them.
    """

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        render_kw = {"inputmode": "numeric", **kwargs.pop("render_kw", {})}
        super().__init__(*args, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [normalise_digits(valuelist[0]).strip()]
            if not valuelist[0]:
                self.data = None
                return
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Enter a whole number.")) from error

    def pre_validate(self, form):
        # Text that is not a whole number has its message already. The validators would judge
        # the number it lacks and add a second one ("Enter a number of people, 0 or more."),
        # so they do not run: one message, about what was typed.
        if self.process_errors:
            raise StopValidation()


class IdSelectField(SelectField):
    """A select whose values are ids (whole numbers); nothing chosen is ``None``.

    Only a tampered form sends a value that is not a number: it gets one message, "Not a
    valid choice." (not WTForms' "could not coerce"), and not also the field's own
    required-choice message about the number it lacks. Nothing chosen is for the field's
    validators to judge (``Optional`` accepts it, a required one says what to choose); a
    field without validators requires a choice.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, coerce=int, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and not valuelist[0].strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(self.gettext("Not a valid choice.")) from error

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()
        if self.data is None and self.validators:
            return
        super().pre_validate(form)


class NumberStringField(StringField):
    """Text that may hold Arabic-Indic or Bengali digits (phones, IDs): normalised on input."""

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = normalise_digits(valuelist[0]).strip()
        else:
            self.data = ""


# Enough to catch typing mistakes; whether an address exists only sending mail can tell.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def email_address() -> Regexp:
    """Validator for an email address field."""
    return Regexp(EMAIL_PATTERN, message=_l("This is not a valid email address."))


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select options."""
    return [SelectChoice(value, label) for value, label in pairs]


class _CatalogueTranslations:
    """WTForms' own messages through the app's catalogue (WTForms ships no Urdu or Bengali)."""

    def gettext(self, string):
        return flask_babel.gettext(string)

    def ngettext(self, singular, plural, n):
        # Unformatted: WTForms fills in %(min)d / %(max)d itself (flask_babel.ngettext would
        # format with ``num`` only, and fail on those placeholders).
        return flask_babel.get_translations().ngettext(singular, plural, n)


# C0 control characters other than tab, line feed and carriage return, and DEL. No typed text
# holds them; NUL in particular cannot be stored in PostgreSQL text at all.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def refuse_control_characters(data):
    """Field filter: text (or a list of texts) with control characters is a field error."""
    values = data if isinstance(data, list | tuple) else [data]
    if any(isinstance(value, str) and _CONTROL_CHARACTERS.search(value) for value in values):
        raise ValueError(_l("This text contains invisible control characters that cannot be "
                            "saved. Please remove them."))
    return data


class Form(FlaskForm):
    """Base of every form: CSRF from Flask-WTF, messages in the user's language, and no
    control characters in any field (the one place that keeps NUL away from the database)."""

    class Meta:
        def get_translations(self, form):
            return _CatalogueTranslations()

        def bind_field(self, form, unbound_field, options):
            filters = (refuse_control_characters, *unbound_field.kwargs.get("filters", ()))
            return unbound_field.bind(form=form, **{**options, "filters": filters})


# WTForms' built-in messages that our forms can show, listed so that extraction puts them in
# the catalogue. Their text must stay exactly as WTForms writes it.
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Not a valid choice."),
    _l("Not a valid date value."),
    _l("Not a valid integer value."),
    _l("Invalid input."),
    _l("Invalid email address."),
    _l("Invalid Choice: could not coerce."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    lazy_ngettext("Field must be at least %(min)d character long.",
                  "Field must be at least %(min)d characters long.", 1),
    lazy_ngettext("Field cannot be longer than %(max)d character.",
                  "Field cannot be longer than %(max)d characters.", 1),
)
