from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from mrc.clients.validation import clean_phone
from mrc.forms import Form, NumberStringField, email_address, options
from mrc.i18n import LANGUAGES


class CentreForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=80)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    phone = NumberStringField(_l("Phone"), validators=[Optional(), Length(max=30)])
    email = StringField(_l("Email"), validators=[Optional(), email_address(), Length(max=120)])
    default_locale = SelectField(_l("Default language"), choices=options(LANGUAGES.items()))
    timezone = SelectField(_l("Time zone"))
    active = BooleanField(_l("Active"))

    def __init__(self, *args, country: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.country = country
        self.timezone.choices = sorted(
            zone for zone in available_timezones() if zone.startswith(("Asia/", "Europe/", "UTC"))
        )

    def validate_phone(self, field):
        try:
            field.data = clean_phone(field.data, self.country)
        except ValueError as error:
            raise ValidationError(str(error)) from error
