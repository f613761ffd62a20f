from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from mrc.forms import Form, IdSelectField, options
from mrc.referrals import choices
from mrc.referrals.services import ReferralData

TEXT_MAX = 4000


def _blank(label):
    return [("", label)]


class ReferralForm(Form):
    partner_id = IdSelectField(_l("Partner"), validators=[Optional()])
    service = SelectField(_l("Service"), choices=options(_blank(_l("Choose…")) + choices.SERVICES),
                          validators=[InputRequired(message=_l("Choose a service."))])
    reason = TextAreaField(_l("Reason for the referral"), validators=[
        InputRequired(message=_l("Say why the person is referred.")), Length(max=TEXT_MAX)],
        description=_l("What the person needs from the partner. Shared with the partner only "
                       "as far as the person agreed."))
    urgency = SelectField(_l("Urgency"), choices=options(choices.URGENCIES), default="routine",
                          validators=[InputRequired()])
    follow_up_due = DateField(_l("Follow up by"), validators=[
        InputRequired(message=_l("Give the date by which to follow up."))])
    consent_override = BooleanField(_l("Refer without the person's consent to sharing"))
    override_reason = TextAreaField(
        _l("Why the referral cannot wait for consent"),
        validators=[Optional(), Length(max=TEXT_MAX)],
        description=_l("Required with the override. Kept with the referral; not written to "
                       "the audit log."),
    )

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        # Each partner carries its services, so that static/js/referrals.js can offer only those.
        self.partner_id.choices = [SelectChoice(0, _l("Choose…"))] + [
            SelectChoice(partner.id, partner.name, render_kw={"data-services": partner.services})
            for partner in partners
        ]

    def validate_partner_id(self, field):
        if not field.data:
            raise ValidationError(_l("Choose a partner from the list."))

    def validate_reason(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_l("Say why the person is referred."))

    def to_data(self) -> ReferralData:
        return ReferralData(
            partner_id=self.partner_id.data,
            service=self.service.data,
            reason=self.reason.data or "",
            urgency=self.urgency.data,
            follow_up_due=self.follow_up_due.data,
            consent_override=bool(self.consent_override.data),
            override_reason=self.override_reason.data or "",
        )


class StatusForm(Form):
    # Any value reaches the service, which alone decides which moves are allowed; the select
    # offers only those, set by the view.
    to_status = SelectField(_l("New status"), validate_choice=False,
                            validators=[InputRequired(message=_l("Choose the new status."))])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=TEXT_MAX)],
                         description=_l("What happened, who you spoke to."))
    outcome = TextAreaField(_l("Outcome"), validators=[Optional(), Length(max=TEXT_MAX)],
                            description=_l("Required to complete the referral."))

    def set_choices(self, statuses: list[str]) -> None:
        self.to_status.choices = options(
            (status, choices.label_for(choices.STATUSES, status)) for status in statuses
        )


class FollowUpForm(Form):
    follow_up_due = DateField(_l("Follow up by"), validators=[
        InputRequired(message=_l("Give the date by which to follow up."))])


class ReferralFilterForm(Form):
    """Filters read from the query string (GET): nothing personal is in them."""

    class Meta:
        csrf = False

    show = SelectField(_l("Show"), default="action", validators=[Optional()], choices=options([
        ("action", _l("Needing action")), ("all", _l("All referrals"))]))
    partner_id = IdSelectField(_l("Partner"), default=0, validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()],
                         choices=options(_blank(_l("Any status")) + choices.STATUSES))

    def set_partners(self, partners) -> None:
        self.partner_id.choices = options(
            [(0, _l("All partners"))] + [(partner.id, partner.name) for partner in partners]
        )
