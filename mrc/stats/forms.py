from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import MonthField
from wtforms.validators import DataRequired, NumberRange, Optional, ValidationError

from mrc.forms import Form, IdSelectField, options
from mrc.stats.services import MAX_MONTHS, months_between


def _check_year(field) -> None:
    if field.data and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Choose a month between 2000 and 2100."))


def _check_started(field, current_month: date | None) -> None:
    # A later month has no records yet: its figures would be zeros that look like a
    # quiet month.
    if field.data and current_month and field.data > current_month:
        raise ValidationError(_l("This month has not started yet."))


class StatisticsFilterForm(Form):
    """Centre and months (from, and optionally to), read from the query string (GET): nothing
    personal is in them. The "from" field keeps the name ``month`` of single-month links."""

    class Meta:
        csrf = False

    centre = IdSelectField(_l("Centre"), validators=[Optional()])
    month = MonthField(_l("From"), validators=[Optional()])
    to = MonthField(_l("To"), validators=[Optional()])
    # The month in progress at the centres asked for (``services.current_month``), set by
    # the view before validating: later months are refused.
    current_month: date | None = None

    def validate_month(self, field) -> None:
        _check_year(field)
        _check_started(field, self.current_month)

    def validate_to(self, field) -> None:
        _check_year(field)
        _check_started(field, self.current_month)
        first = self.month.data
        if not field.data or self.month.errors:
            return
        if not first:  # without a first month, "to" would be dropped silently
            raise ValidationError(_l("Choose the first month too."))
        if field.data < first:
            raise ValidationError(_l("The last month cannot be before the first month."))
        if months_between(first, field.data) > MAX_MONTHS:
            raise ValidationError(_l("Choose at most %(count)s months.", count=MAX_MONTHS))

    def set_centres(self, centres) -> None:
        self.centre.choices = options([(0, _l("All centres"))] + [(c.id, c.name) for c in centres])


class MonthSubmissionForm(Form):
    """Closing one centre's month (POST, CSRF). Managers' forms have no centre field."""

    centre = IdSelectField(_l("Centre"),
                         validators=[NumberRange(
                             min=1, message=_l("Choose the centre whose month you submit."))])
    month = MonthField(_l("Month"), validators=[DataRequired(message=_l("Choose a month."))])

    def validate_month(self, field) -> None:
        _check_year(field)

    def set_centres(self, centres) -> None:
        self.centre.choices = options([(0, _l("Choose a centre"))]
                                      + [(c.id, c.name) for c in centres])
