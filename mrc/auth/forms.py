from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from mrc.auth.models import ROLE_LABELS, Role
from mrc.forms import Form, IdSelectField, options


class LoginForm(Form):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired()],
        description=_l("At least 12 characters. A phrase of several unrelated words is best."),
    )
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )


class UserForm(Form):
    username = StringField(
        _l("User name"),
        validators=[
            DataRequired(),
            Length(min=3, max=80),
            Regexp(r"^[A-Za-z0-9._-]+$",
                   message=_l("Use Latin letters, digits, dots, dashes and underscores only.")),
        ],
    )
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"))
    centre_id = IdSelectField(_l("Centre"))
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(
        _l("Password"),
        validators=[Optional()],
        description=_l("At least 12 characters. Leave empty to keep the current password."),
    )

    def set_choices(self, roles: list[Role], centres) -> None:
        self.role.choices = options((role.value, ROLE_LABELS[role]) for role in roles)
        self.centre_id.choices = options(
            [(0, _l("No centre (administrators only)"))]
            + [(centre.id, f"{centre.code} · {centre.name}") for centre in centres]
        )
