from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from mrc.audit.services import ACTION_LABELS
from mrc.forms import Form, IdSelectField, options


class AuditFilterForm(Form):
    """Filters read from the query string (GET): nothing personal is in them."""

    class Meta:
        csrf = False

    user_id = IdSelectField(_l("User"), validators=[Optional()])
    centre_id = IdSelectField(_l("Centre"), validators=[Optional()])
    action = SelectField(_l("Action"), validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def set_choices(self, users, centres) -> None:
        self.user_id.choices = options([(0, _l("Everyone"))] + [(u.id, u.username) for u in users])
        self.centre_id.choices = options([(0, _l("All centres"))] + [(c.id, c.code) for c in centres])
        self.action.choices = options([("", _l("All actions"))] + list(ACTION_LABELS.items()))
