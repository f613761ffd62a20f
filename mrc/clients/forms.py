from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from mrc.clients import choices
from mrc.clients.services import CONSENT_REQUIRED, ClientData
from mrc.clients.validation import (
    FieldError,
    check_birth,
    clean_name,
    clean_national_id,
    clean_phone,
    phone_examples,
)
from mrc.forms import Form, IdSelectField, LocalDigitsIntegerField, NumberStringField, options
from mrc.i18n import country_choices, language_name


class SearchForm(Form):
    """Search by name, reference, phone or ID. Sent by POST so terms stay out of URLs and logs."""

    term = StringField(
        _l("Name, reference, phone or ID number"),
        validators=[DataRequired(message=_l("Type something to search for.")), Length(max=100)],
    )
    page = HiddenField(default="1")


class StartRegistrationForm(Form):
    """The button beside search results that opens the registration form, carrying the term."""

    term = HiddenField()


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _blank(label):
    return [("", label)]


class ClientForm(Form):
    given_name = StringField(_l("Given name (Latin letters)"), validators=[InputRequired(message=_l("The given name is required."))])
    family_name = StringField(_l("Family name (Latin letters)"))
    given_name_native = StringField(_l("Given name in own script"),
                                    description=_l("For example in Urdu, Arabic, Sorani or Bengali script."))
    family_name_native = StringField(_l("Family name in own script"))
    father_name = StringField(
        _l("Father's name"),
        description=_l("As on the CNIC, B-form or NID; in Latin letters or in own script."),
    )
    sex = SelectField(_l("Sex"), choices=options(_blank(_l("Choose…")) + choices.SEX),
                      validators=[InputRequired(message=_l("Choose the sex."))])
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()])
    birth_year = LocalDigitsIntegerField(
        _l("Year of birth"), validators=[Optional()],
        description=_l("If the exact date is not known."),
    )
    nationality = SelectField(_l("Nationality"), validators=[InputRequired()])
    national_id = NumberStringField(_l("National ID number"),
                                    description=_l("CNIC, NID or national card number."))
    phone = NumberStringField(_l("Phone"))  # described in __init__ with the centre's country
    province = StringField(_l("Province or governorate"), validators=[Length(max=80)])
    district = StringField(_l("District"), validators=[Length(max=80)])
    education = SelectField(_l("Education"), choices=options(_blank(_l("Not known")) + choices.EDUCATION),
                            validators=[Optional()])
    occupation = StringField(_l("Occupation"), validators=[Length(max=120)])
    skills = StringField(_l("Skills"), validators=[Length(max=300)])
    languages = MultiCheckboxField(_l("Languages spoken"), validators=[Optional()])
    migration_status = SelectField(_l("Migration status"),
                                   choices=options(_blank(_l("Choose…")) + choices.MIGRATION_STATUS),
                                   validators=[InputRequired(message=_l("Choose the migration status."))])
    destination_country = SelectField(_l("Intended destination country"), validators=[Optional()])
    destination_sector = SelectField(_l("Intended sector of work or study"),
                                     choices=options(_blank(_l("Not known")) + choices.SECTOR),
                                     validators=[Optional()])
    heard_about = SelectField(_l("How they heard of the centre"),
                              choices=options(_blank(_l("Not known")) + choices.HEARD_ABOUT),
                              validators=[Optional()])

    consent_services = BooleanField(dict(choices.CONSENT_PURPOSES)["consent_services"])
    consent_follow_up = BooleanField(dict(choices.CONSENT_PURPOSES)["consent_follow_up"])
    consent_referral_sharing = BooleanField(dict(choices.CONSENT_PURPOSES)["consent_referral_sharing"])
    consent_statistics = BooleanField(dict(choices.CONSENT_PURPOSES)["consent_statistics"])

    assigned_counsellor_id = IdSelectField(_l("Assigned counsellor"), validators=[Optional()])
    trafficking_indication = BooleanField(_l("Indications of trafficking"))
    smuggling_indication = BooleanField(_l("Indications of smuggling"))
    protection_concern = BooleanField(_l("Other protection concern"))

    confirmed_new = HiddenField(default="")

    def __init__(self, *args, region: str, today, counsellors, **kwargs):
        super().__init__(*args, **kwargs)
        self.region = region
        self.today = today
        local, international = phone_examples(region)
        self.phone.description = _l("For example %(local)s or %(international)s.",
                                    local=local, international=international)
        countries = country_choices()
        self.nationality.choices = options(countries)
        self.destination_country.choices = options(_blank(_l("Not decided")) + countries)
        self.languages.choices = options((code, language_name(code)) for code in choices.LANGUAGES)
        self.assigned_counsellor_id.choices = options(
            [(0, _l("Nobody"))] + [(user.id, user.display_name) for user in counsellors]
        )
        self.birth_year_checked: int | None = None
        # Cleaned values by field name; the fields keep what the user typed, so that a form
        # shown again with errors shows their own input.
        self.cleaned: dict[str, str] = {}

    def _clean(self, field, cleaner, *args, **kwargs):
        try:
            self.cleaned[field.name] = cleaner(field.data, *args, **kwargs)
        except ValueError as error:
            raise ValidationError(str(error)) from error

    def _name(self, field, latin):
        self._clean(field, clean_name, latin=latin)

    # Field checks: each shows its message beside its field.
    def validate_consent_services(self, field):
        # Checked here too (the services refuse it as well), so that it is shown with the
        # other refusals rather than only once they are put right.
        if not field.data:
            raise ValidationError(CONSENT_REQUIRED)

    def validate_given_name(self, field):
        self._name(field, latin=True)
        if not self.cleaned["given_name"]:
            raise ValidationError(_l("The given name is required."))

    def validate_family_name(self, field):
        self._name(field, latin=True)

    def validate_given_name_native(self, field):
        self._name(field, latin=False)

    def validate_family_name_native(self, field):
        self._name(field, latin=False)

    def validate_father_name(self, field):
        self._name(field, latin=False)  # either script: counsellors copy it from the card

    def validate_phone(self, field):
        self._clean(field, clean_phone, self.region)

    def validate_national_id(self, field):
        self._clean(field, clean_national_id, self.nationality.data)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.date_of_birth.errors or self.birth_year.errors:
            return False
        try:
            self.birth_year_checked = check_birth(self.date_of_birth.data, self.birth_year.data,
                                                  self.today)
        except FieldError as error:
            self[error.field].errors.append(str(error.message))
            return False
        return valid

    def to_data(self) -> ClientData:
        return ClientData(
            given_name=self.cleaned["given_name"],
            family_name=self.cleaned["family_name"],
            given_name_native=self.cleaned["given_name_native"],
            family_name_native=self.cleaned["family_name_native"],
            father_name=self.cleaned["father_name"],
            sex=self.sex.data,
            date_of_birth=self.date_of_birth.data,
            birth_year=self.birth_year_checked,
            nationality=self.nationality.data,
            national_id=self.cleaned["national_id"],
            phone=self.cleaned["phone"],
            province=(self.province.data or "").strip(),
            district=(self.district.data or "").strip(),
            education=self.education.data or "",
            occupation=(self.occupation.data or "").strip(),
            skills=(self.skills.data or "").strip(),
            languages=" ".join(self.languages.data or []),
            migration_status=self.migration_status.data,
            destination_country=self.destination_country.data or "",
            destination_sector=self.destination_sector.data or "",
            heard_about=self.heard_about.data or "",
            consent_services=self.consent_services.data,
            consent_follow_up=self.consent_follow_up.data,
            consent_referral_sharing=self.consent_referral_sharing.data,
            consent_statistics=self.consent_statistics.data,
            assigned_counsellor_id=self.assigned_counsellor_id.data or None,
            trafficking_indication=self.trafficking_indication.data,
            smuggling_indication=self.smuggling_indication.data,
            protection_concern=self.protection_concern.data,
        )

    def load(self, data: ClientData) -> None:
        for name, value in vars(data).items():
            if name == "languages":
                self.languages.data = value.split()
            elif name == "assigned_counsellor_id":
                self.assigned_counsellor_id.data = value or 0
            else:
                self[name].data = value
