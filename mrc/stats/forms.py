from flask_babel import lazy_gettext as _l
from wtforms import MonthField, SelectField
from wtforms.validators import Optional, ValidationError

from mrc.forms import Form, options


class StatisticsFilterForm(Form):
    """Centre and month, read from the query string (GET): nothing personal is in them."""

    class Meta:
        csrf = False

    centre = SelectField(_l("Centre"), coerce=int, validators=[Optional()])
    month = MonthField(_l("Month"), validators=[Optional()])

    def validate_month(self, field) -> None:
        if field.data and not 2000 <= field.data.year <= 2100:
            raise ValidationError(_l("Choose a month between 2000 and 2100."))

    def set_centres(self, centres) -> None:
        self.centre.choices = options([(0, _l("All centres"))] + [(c.id, c.name) for c in centres])
