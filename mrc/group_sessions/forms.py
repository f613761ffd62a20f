from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from mrc.clients.forms import MultiCheckboxField
from mrc.forms import Form, IdSelectField, LocalDigitsIntegerField, options
from mrc.group_sessions import choices
from mrc.group_sessions.services import MAX_HEAD_COUNT, GroupSessionData, local_start
from mrc.i18n import country_choices


def _blank(label):
    return [("", label)]


class GroupSessionForm(Form):
    kind = SelectField(_l("Kind of session"),
                       choices=options(_blank(_l("Choose…")) + choices.KINDS),
                       validators=[InputRequired(message=_l("Choose the kind of session."))])
    date = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date."))])
    start_time = TimeField(_l("Start time"),
                           validators=[InputRequired(message=_l("Enter the start time."))],
                           description=_l("In the centre's local time."))
    venue = StringField(_l("Venue"), validators=[
        InputRequired(message=_l("Enter where the session takes place.")), Length(max=200)])
    venue_type = SelectField(_l("Type of venue"),
                             choices=options(_blank(_l("Choose…")) + choices.VENUE_TYPES),
                             validators=[InputRequired(message=_l("Choose the type of venue."))])
    partner_id = IdSelectField(_l("Partner organisation"), validators=[Optional()])
    facilitators = StringField(_l("Facilitators"), validators=[Length(max=300)],
                               description=_l("Names of the people who ran the session."))
    topics = MultiCheckboxField(_l("Topics"), choices=options(choices.TOPICS),
                                validators=[Optional()])
    destination_country = SelectField(
        _l("Destination country"), validators=[Optional()],
        description=_l("Required for a pre-departure orientation."),
    )
    notes = TextAreaField(_l("Notes"), validators=[Length(max=5000)])

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner_id.choices = options(
            [(0, _l("None"))]
            + [(partner.id, partner.name if partner.active else
                _l("%(name)s (inactive)", name=partner.name)) for partner in partners]
        )
        self.destination_country.choices = options(_blank(_l("Not applicable")) + country_choices())

    def validate_venue(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_l("Enter where the session takes place."))

    def validate_destination_country(self, field):
        if self.kind.data == choices.PDO and not field.data:
            raise ValidationError(
                _l("Choose the destination country of the pre-departure orientation."))

    def to_data(self, centre) -> GroupSessionData:
        return GroupSessionData(
            kind=self.kind.data,
            starts_at=local_start(centre, self.date.data, self.start_time.data),
            venue=(self.venue.data or "").strip(),
            venue_type=self.venue_type.data,
            partner_id=self.partner_id.data or None,
            facilitators=(self.facilitators.data or "").strip(),
            topics=" ".join(code for code, _label in choices.TOPICS
                            if code in (self.topics.data or [])),
            destination_country=self.destination_country.data or "",
            notes=(self.notes.data or "").strip(),
        )

    def load(self, data: GroupSessionData, day, at) -> None:
        self.kind.data = data.kind
        self.date.data = day
        self.start_time.data = at
        self.venue.data = data.venue
        self.venue_type.data = data.venue_type
        self.partner_id.data = data.partner_id or 0
        self.facilitators.data = data.facilitators
        self.topics.data = data.topics.split()
        self.destination_country.data = data.destination_country
        self.notes.data = data.notes


class KindFilterForm(Form):
    """The list's filter, read from the query string (GET): nothing personal is in it."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind of session"),
                       choices=options(_blank(_l("All kinds")) + choices.KINDS),
                       validators=[Optional()])


class AttendeeSearchForm(Form):
    """Finding registered people to add. Sent by POST so that terms stay out of URLs."""

    term = StringField(
        _l("Find a registered person"),
        validators=[DataRequired(message=_l("Type a name, reference, phone or ID number.")),
                    Length(max=100)],
        description=_l("Type part of a name, a reference, phone or ID number."),
    )


class AttendeeForm(Form):
    client_id = HiddenField()


def head_count_field_name(sex: str, age_group: str | None) -> str:
    return f"count_{sex}_{age_group or 'unknown'}"


class HeadCountForm(Form):
    """Numbers of people who took part without registering, by sex and (optionally) age."""

    def load(self, counts: dict) -> None:
        for (sex, age_group), count in counts.items():
            self[head_count_field_name(sex, age_group)].data = count

    def counts(self) -> dict:
        return {
            (sex, age_group): self[head_count_field_name(sex, age_group)].data or 0
            for age_group in [None] + [value for value, _label in choices.AGE_GROUPS]
            for sex, _label in choices.HEAD_COUNT_SEXES
        }

    def uses_age_groups(self) -> bool:
        """Whether any count by age group is filled in or in error (to show them open)."""
        return any(
            f.data or f.errors
            for age_group, _label, fields in self.groups() if age_group is not None
            for f in fields
        )

    def groups(self):
        """(age group or None, its label, its fields by sex) in display order."""
        ages = [(None, choices.AGE_UNKNOWN_LABEL)] + list(choices.AGE_GROUPS)
        return [
            (age_group, label, [self[head_count_field_name(sex, age_group)]
                                for sex, _label in choices.HEAD_COUNT_SEXES])
            for age_group, label in ages
        ]


for _age_group in [None] + [value for value, _label in choices.AGE_GROUPS]:
    for _sex, _sex_label in choices.HEAD_COUNT_SEXES:
        setattr(HeadCountForm, head_count_field_name(_sex, _age_group), LocalDigitsIntegerField(
            _sex_label,
            validators=[Optional(), NumberRange(
                min=0, max=MAX_HEAD_COUNT, message=_l("Enter a number of people, 0 or more."))],
        ))
