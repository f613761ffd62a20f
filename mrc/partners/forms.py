from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from mrc.clients.forms import MultiCheckboxField
from mrc.clients.validation import clean_phone
from mrc.forms import Form, NumberStringField, email_address, options
from mrc.i18n import ltr
from mrc.partners import choices
from mrc.partners.services import PartnerData, parse_scope

# Deliberately loose: one @, something before it, a dot after it, no spaces.


class PartnerFilterForm(Form):
    """Filters read from the query string (GET): nothing personal is in them."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), validators=[Optional()],
                       choices=options([("", _l("All kinds"))] + choices.KINDS))
    service = SelectField(_l("Service"), validators=[Optional()],
                          choices=options([("", _l("All services"))] + choices.SERVICES))


class PartnerForm(Form):
    name = StringField(_l("Name"), validators=[
        InputRequired(message=_l("The name is required.")), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=options([("", _l("Choose…"))] + choices.KINDS),
                       validators=[InputRequired(message=_l("Choose the kind of organisation."))])
    scope = SelectField(_l("Serves"), validators=[InputRequired()])
    # Checked by validate_services (an Optional() validator would skip that check).
    services = MultiCheckboxField(_l("Services offered"), choices=options(choices.SERVICES))
    city = StringField(_l("City"), validators=[Length(max=80)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    phone = NumberStringField(_l("Phone"),
                              description=_l("With the area code, e.g. %(example)s.",
                                              example=ltr("042 99201234")))
    email = StringField(_l("Email"), validators=[
        Optional(), Length(max=120),
        email_address()])
    hours = StringField(_l("Opening hours"), validators=[Length(max=120)])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=4000)],
                          description=_l("Contact people, documents to bring, how to refer."))
    active = BooleanField(_l("Active"), default=True)

    def __init__(self, *args, scope_choices, centres, default_country: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope.choices = options(scope_choices)
        self.centres = centres
        self.default_country = default_country
        self.cleaned_phone = ""

    def _target(self) -> tuple[str, int | None] | None:
        return parse_scope(self.scope.data, self.centres)

    def validate_name(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_l("The name is required."))

    def validate_phone(self, field):
        target = self._target()
        country = target[0] if target else self.default_country
        try:
            self.cleaned_phone = clean_phone(field.data, country)
        except ValueError as error:
            raise ValidationError(str(error)) from error

    def validate_services(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one service."))

    def to_data(self) -> PartnerData:
        country, centre_id = self._target()
        return PartnerData(
            name=" ".join(self.name.data.split()),
            kind=self.kind.data,
            country=country,
            centre_id=centre_id,
            services=" ".join(code for code, _ in choices.SERVICES if code in self.services.data),
            city=(self.city.data or "").strip(),
            address=(self.address.data or "").strip(),
            phone=self.cleaned_phone,
            email=(self.email.data or "").strip(),
            hours=(self.hours.data or "").strip(),
            notes=(self.notes.data or "").strip(),
            active=bool(self.active.data),
        )

    def load(self, data: PartnerData, scope: str) -> None:
        for name in ("name", "kind", "city", "address", "email", "hours", "notes", "active"):
            self[name].data = getattr(data, name)
        self.phone.data = data.phone
        self.services.data = data.services.split()
        self.scope.data = scope
