from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from mrc.clients import choices
from mrc.clients.privacy import ANONYMISE_REASONS
from mrc.forms import Form, options

CONSENT_ACTIONS = [("withdraw", _l("Withdraw consent")), ("grant", _l("Give consent again"))]


class ConsentChangeForm(Form):
    # Nothing is chosen in advance: the first options would otherwise withdraw the consent
    # to recording (which leads to anonymisation) for whoever saves without looking.
    purpose = SelectField(_l("Purpose"),
                          choices=options([("", _l("Choose…"))] + choices.CONSENT_PURPOSES),
                          validators=[InputRequired(message=_l("Choose a purpose."))])
    action = SelectField(_l("Change"), choices=options([("", _l("Choose…"))] + CONSENT_ACTIONS),
                         validators=[InputRequired(message=_l("Choose the change."))])
    on = DateField(_l("Date"), validators=[InputRequired(message=_l("Give the date."))])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)],
                         description=_l("How the person told us. Erased if the record is "
                                        "anonymised."))


class AnonymiseForm(Form):
    reason = SelectField(_l("Reason"), choices=options(ANONYMISE_REASONS),
                         validators=[InputRequired(message=_l("Choose a reason."))])
    reference = StringField(
        _l("Type the client's reference to confirm"),
        validators=[InputRequired(message=_l("Type the client's reference to confirm."))],
    )
