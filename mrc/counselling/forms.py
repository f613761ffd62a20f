from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DateTimeLocalField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Optional, ValidationError

from mrc.auth.models import User
from mrc.clients.forms import MultiCheckboxField
from mrc.counselling import choices, validation
from mrc.counselling.services import SessionData
from mrc.forms import Form, LocalDigitsIntegerField, options

# The browser's datetime-local value; the first format is the one rendered (minutes only).
DATETIME_LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def _id_or_none(value):
    """Select values: a user id, or None for the "Choose…" option."""
    if value in ("", None):
        return None
    return int(value)


class SessionForm(Form):
    """One counselling session. Times are typed in the client's centre's local time."""

    held_at = DateTimeLocalField(
        _l("Date and time"), format=DATETIME_LOCAL_FORMATS,
        validators=[InputRequired(message=_l("Enter the date and time of the session."))],
        invalid_value_message=_l("Enter the date and time of the session."),
        description=_l("In the centre's local time."),
    )
    counsellor_id = SelectField(
        _l("Counsellor"), coerce=_id_or_none,
        validators=[InputRequired(message=_l("Choose a counsellor of the client's centre."))],
    )
    channel = SelectField(_l("Channel"), choices=options(choices.CHANNELS), default="walk_in",
                          validators=[InputRequired()])
    duration_minutes = LocalDigitsIntegerField(
        _l("Duration in minutes"),
        validators=[InputRequired(message=_l("Enter the duration in minutes."))],
    )
    topics = MultiCheckboxField(_l("Topics"), choices=options(choices.TOPICS))
    pathways = MultiCheckboxField(_l("Information given on pathways"),
                                  choices=options(choices.PATHWAYS))
    notes = TextAreaField(
        _l("Notes"), render_kw={"rows": 5},
        description=_l("Visible only to the session's counsellor, the client's assigned "
                       "counsellor and managers."),
    )
    follow_up_on = DateField(_l("Follow-up date"), validators=[Optional()],
                             description=_l("Leave empty if no follow-up is needed."))

    def __init__(self, *args, zone: ZoneInfo, now: datetime, today: date,
                 counsellors: list[User], previous: SessionData | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.now = now
        self.today = today
        self.previous = previous
        self.counsellor_id.choices = options(
            [("", _l("Choose…"))] + [(user.id, user.display_name) for user in counsellors]
        )
        # The browser sends the centre's wall-clock time without a zone.
        if self.held_at.data is not None and self.held_at.data.tzinfo is None:
            self.held_at.data = self.held_at.data.replace(tzinfo=zone)

    def prefill(self, *, counsellor_id: int | None) -> None:
        """Defaults of a new session: now (to the minute, local time), the given counsellor."""
        self.held_at.data = self.now.astimezone(self.zone).replace(second=0, microsecond=0)
        if counsellor_id is not None:
            self.counsellor_id.data = counsellor_id

    def load(self, data: SessionData) -> None:
        self.held_at.data = data.held_at.astimezone(self.zone)
        self.counsellor_id.data = data.counsellor_id
        self.channel.data = data.channel
        self.duration_minutes.data = data.duration_minutes
        self.topics.data = list(data.topics)
        self.pathways.data = list(data.pathways)
        self.notes.data = data.notes
        self.follow_up_on.data = data.follow_up_on

    @staticmethod
    def _rule(field, check, *args, **kwargs):
        if field.errors:  # not parsed (a typing error is shown already)
            return
        try:
            check(*args, **kwargs)
        except ValueError as error:
            raise ValidationError(str(error.args[0])) from error

    # Field checks: each shows its message beside its field.
    def validate_held_at(self, field):
        self._rule(field, validation.check_held_at, field.data, now=self.now,
                   previous=self.previous.held_at if self.previous else None)

    def validate_duration_minutes(self, field):
        self._rule(field, validation.check_duration, field.data)

    def validate_topics(self, field):
        self._rule(field, validation.check_topics, field.data or [])

    def validate_pathways(self, field):
        self._rule(field, validation.check_pathways, field.data or [])

    def validate_notes(self, field):
        self._rule(field, validation.check_notes, field.data or "")

    def validate_follow_up_on(self, field):
        self._rule(field, validation.check_follow_up, field.data, today=self.today,
                   previous=self.previous.follow_up_on if self.previous else None)

    def to_data(self) -> SessionData:
        return SessionData(
            held_at=self.held_at.data,
            counsellor_id=self.counsellor_id.data,
            channel=self.channel.data,
            duration_minutes=self.duration_minutes.data,
            topics=list(self.topics.data or []),
            pathways=list(self.pathways.data or []),
            notes=self.notes.data or "",
            follow_up_on=self.follow_up_on.data,
        )
