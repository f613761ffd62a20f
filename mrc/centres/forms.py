from zoneinfo import available_timezones

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from mrc.clients.validation import clean_phone
from mrc.forms import Form, LocalDigitsIntegerField, NumberStringField, email_address, options
from mrc.i18n import LANGUAGES


def _day_or_none(value):
    return None if value in (None, "", "None") else int(value)


class CentreForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=80)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    phone = NumberStringField(_l("Phone"), validators=[Optional(), Length(max=30)])
    email = StringField(_l("Email"), validators=[Optional(), email_address(), Length(max=120)])
    default_locale = SelectField(_l("Default language"), choices=options(LANGUAGES.items()))
    timezone = SelectField(_l("Time zone"))
    active = BooleanField(_l("Active"))
    retention_years = LocalDigitsIntegerField(
        _l("Years records are kept after the last activity"),
        validators=[DataRequired(message=_l("Give a number of years from 1 to 50.")),
                    NumberRange(min=1, max=50,
                                message=_l("Give a number of years from 1 to 50."))])
    # Opening hours, printed on information sheets in each sheet's language.
    open_from_day = SelectField(_l("Open from"), coerce=_day_or_none, validators=[Optional()])
    open_to_day = SelectField(_l("Open until"), coerce=_day_or_none, validators=[Optional()])
    opens_at = TimeField(_l("Opens at"), validators=[Optional()])
    closes_at = TimeField(_l("Closes at"), validators=[Optional()])

    def __init__(self, *args, country: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.country = country
        self.timezone.choices = sorted(
            zone for zone in available_timezones() if zone.startswith(("Asia/", "Europe/", "UTC"))
        )
        days = get_day_names("wide", locale=get_locale())
        day_options = options([("", "—")] + [(str(day), days[day]) for day in range(7)])
        self.open_from_day.choices = day_options
        self.open_to_day.choices = day_options

    def validate_phone(self, field):
        try:
            field.data = clean_phone(field.data, self.country)
        except ValueError as error:
            raise ValidationError(str(error)) from error
