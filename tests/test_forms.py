"""The shared form fields of ``mrc.forms``."""

import pytest
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict
from wtforms.validators import NumberRange, Optional

from mrc.forms import Form, IdSelectField, options

CHOOSE = "Choose a centre."


class _CentreForm(Form):
    class Meta:
        csrf = False

    required = IdSelectField("Centre", validators=[NumberRange(min=1, message=CHOOSE)])
    optional = IdSelectField("Centre", validators=[Optional()])
    plain = IdSelectField("Sheet")


def _validated(required: str, optional: str = "", plain: str = "3") -> _CentreForm:
    form = _CentreForm(MultiDict({"required": required, "optional": optional, "plain": plain}))
    for field in (form.required, form.optional, form.plain):
        field.choices = options([(0, "Choose"), (3, "Lahore"), (5, "Dhaka")])
    form.validate()
    return form


@pytest.mark.parametrize("value", ["abc", "3.5", "1e3", "١"])
def test_a_value_that_is_no_id_gets_one_message(app, value):
    with app.test_request_context():
        form = _validated(value, value)
    assert form.required.errors == ["Not a valid choice."]
    assert form.optional.errors == ["Not a valid choice."]


def test_ids_are_checked_against_the_choices_and_the_validators(app):
    with app.test_request_context():
        assert _validated("3", "5").errors == {}
        assert _validated("3").errors == {}
        assert _validated("4", "7").errors == {"required": ["Not a valid choice."],
                                               "optional": ["Not a valid choice."]}
        assert _validated("0").errors == {"required": [CHOOSE]}
        # Nothing chosen: the validators' own message, or nothing where the choice is optional.
        assert _validated("", " ").errors == {"required": [CHOOSE]}
        assert _validated("5", "").optional.data is None
        assert _validated("5", "", "").errors == {"plain": ["Not a valid choice."]}


def test_the_message_is_in_the_users_language(app):
    with app.test_request_context(), force_locale("ur"):
        message = _validated("abc").required.errors[0]
    assert message != "Not a valid choice." and message
