from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from mrc.forms import Form, IdSelectField, LocalDigitsIntegerField, options
from mrc.i18n import LANGUAGES

PAPER_OPTIONS = (("A4", "A4"), ("letter", _l("Letter (US)")))


class VersionForm(Form):
    """The text of one language version."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(
        _l("Text"),
        description=_l("Lines: “# Heading”, “- list item”, “| left | right |” (table rows), "
                       "“@qr https://…”, a blank line between paragraphs. Start a line with "
                       "[PK], [IQ] or [BD] to print it only in that country."),
    )


class PublishForm(Form):
    review_date = DateField(_l("Reviewed on"),
                            validators=[InputRequired(message=_l("Enter the review date."))])


class _PrintForm(Form):
    paper = SelectField(_l("Paper size"), choices=options(PAPER_OPTIONS), default="A4")

    def set_sheets(self, sheets: list[tuple[int, str]]) -> None:
        self.sheet_id.choices = options(sheets)


class ClientPrintForm(_PrintForm):
    sheet_id = IdSelectField(_l("Sheet"))
    language = SelectField(_l("Language"), choices=options(LANGUAGES.items()))


class GroupPrintForm(_PrintForm):
    sheet_id = IdSelectField(_l("Sheet"))


class CopiesForm(_PrintForm):
    sheet_id = IdSelectField(_l("Sheet"))
    language = SelectField(_l("Language"), choices=options(LANGUAGES.items()))
    copies = LocalDigitsIntegerField(
        _l("Number of copies"), default=20,
        validators=[InputRequired(message=_l("Enter a number of copies from 1 to 1000.")),
                    NumberRange(min=1, max=1000,
                                message=_l("Enter a number of copies from 1 to 1000."))],
    )


class SlipForm(Form):
    language = SelectField(_l("Language"), choices=options(LANGUAGES.items()))
    paper = SelectField(_l("Paper size"), choices=options(PAPER_OPTIONS), default="A4")
