"""Form helpers shared by every feature."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectChoice, StringField
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


class NumberStringField(StringField):
    """Text that may hold Arabic-Indic or Bengali digits (phones, IDs): normalised on input."""

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = normalise_digits(valuelist[0]).strip()
        else:
            self.data = ""


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select options."""
    return [SelectChoice(value, label) for value, label in pairs]
