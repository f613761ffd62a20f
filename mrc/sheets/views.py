"""Information sheets: the list, editing and publishing (managers, admins), and printing.

Printing answers with the PDF itself; the print is recorded by the service.
"""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from mrc.auth.models import Role
from mrc.clients.models import Client
from mrc.core import current_actor
from mrc.group_sessions.models import GroupSession
from mrc.i18n import LANGUAGES, RIGHT_TO_LEFT
from mrc.referrals.models import Referral
from mrc.security import get_scoped_or_404, require_role
from mrc.sheets import markup, services
from mrc.sheets.forms import (
    ClientPrintForm,
    CopiesForm,
    GroupPrintForm,
    PublishForm,
    SlipForm,
    VersionForm,
)
from mrc.sheets.models import InfoSheet

blueprint = Blueprint("sheets", __name__, url_prefix="/sheets")

EDITORS = (Role.MANAGER, Role.ADMIN)


def _pdf(pdf: bytes, name: str) -> Response:
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})


def _sheet_or_404(sheet_id: int) -> InfoSheet:
    return services.get_sheet(sheet_id) or abort(404)


def _language_or_404(lang: str) -> str:
    if lang not in services.SHEET_LANGUAGES:
        abort(404)
    return lang


def _topics() -> list[tuple[int, str]]:
    return services.topic_options(str(get_locale()))


# --- forms shown on other features' pages (client, group session, referral) -----------------

@blueprint.app_template_global()
def client_sheet_form(client: Client) -> ClientPrintForm:
    form = ClientPrintForm(formdata=None, language=services.client_language(client))
    form.set_sheets(_topics())
    return form


@blueprint.app_template_global()
def group_sheet_form() -> GroupPrintForm:
    form = GroupPrintForm(formdata=None)
    form.set_sheets(_topics())
    return form


@blueprint.app_template_global()
def referral_slip_form(referral: Referral) -> SlipForm:
    return SlipForm(formdata=None, language=services.client_language(referral.client))


# --- the list and a sheet's page ----------------------------------------------------------

@blueprint.route("/")
def index():
    return render_template("sheets/index.html", overview=services.overview(),
                           sheet_languages=services.SHEET_LANGUAGES,
                           may_edit=services.may_edit(current_user),
                           title_of=services.sheet_title, ui_lang=str(get_locale()))


@blueprint.route("/<int:sheet_id>")
def show(sheet_id: int):
    sheet = _sheet_or_404(sheet_id)
    statuses = dict(services.overview())[sheet]
    return render_template("sheets/show.html", sheet=sheet, statuses=statuses,
                           title=services.sheet_title(sheet, str(get_locale())),
                           may_edit=services.may_edit(current_user))


def _render_edit(sheet, lang, form, publish_form):
    version = services.latest_version(sheet.id, lang)
    return render_template("sheets/edit.html", sheet=sheet, lang=lang, form=form,
                           publish_form=publish_form, version=version,
                           published=services.printable_version(sheet.id, lang),
                           title=services.sheet_title(sheet, str(get_locale())),
                           text_dir="rtl" if lang in RIGHT_TO_LEFT else "ltr",
                           html_lang_of=lang.replace("_", "-"))


@blueprint.route("/<int:sheet_id>/<lang>/edit", methods=["GET", "POST"])
@require_role(*EDITORS)
def edit(sheet_id: int, lang: str):
    sheet = _sheet_or_404(sheet_id)
    _language_or_404(lang)
    version = services.latest_version(sheet.id, lang)
    form = VersionForm(obj=version if request.method == "GET" else None)
    publish_form = PublishForm(formdata=None)
    if form.validate_on_submit():
        try:
            saved = services.edit_version(current_actor(), sheet, lang, form.title.data,
                                          form.body.data)
        except services.SheetError as error:
            if error.field == "body":
                # each problem beside the text, in the interface language
                form.body.errors = [str(p) for p in markup.validate(form.body.data or "")]
            else:
                form[error.field].errors.append(str(error))
        else:
            flash(_("Draft version %(number)s saved.", number=saved.number), "success")
            return redirect(url_for("sheets.edit", sheet_id=sheet.id, lang=lang))
    elif request.method == "GET" and version is not None:
        form.body.errors = [str(p) for p in markup.validate(version.body)]
    return _render_edit(sheet, lang, form, publish_form)


@blueprint.route("/<int:sheet_id>/<lang>/preview")
@require_role(*EDITORS)
def preview(sheet_id: int, lang: str):
    sheet = _sheet_or_404(sheet_id)
    version = services.latest_version(sheet.id, _language_or_404(lang)) or abort(404)
    paper = request.args.get("paper", "A4")
    pdf = services.preview(current_actor(), version, paper)
    return _pdf(pdf, f"{sheet.topic}-{lang}-{version.number}-preview")


@blueprint.route("/<int:sheet_id>/<lang>/publish", methods=["POST"])
@require_role(*EDITORS)
def publish(sheet_id: int, lang: str):
    sheet = _sheet_or_404(sheet_id)
    version = services.latest_version(sheet.id, _language_or_404(lang)) or abort(404)
    publish_form = PublishForm()
    if publish_form.validate_on_submit():
        try:
            services.publish(current_actor(), version, publish_form.review_date.data)
        except services.SheetError as error:
            publish_form[error.field].errors.append(str(error))
        else:
            flash(_("Version %(number)s published.", number=version.number), "success")
            return redirect(url_for("sheets.show", sheet_id=sheet.id))
    form = VersionForm(formdata=None, obj=version)
    form.body.errors = [str(p) for p in markup.validate(version.body)]
    return _render_edit(sheet, lang, form, publish_form)


# --- printing -------------------------------------------------------------------------------

@blueprint.route("/copies", methods=["GET", "POST"])
def copies():
    form = CopiesForm(language=services.default_language(current_user.centre))
    form.set_sheets(_topics())
    if form.validate_on_submit():
        try:
            pdf = services.print_copies(current_actor(), form.sheet_id.data, form.language.data,
                                        form.copies.data, form.paper.data)
        except services.SheetError as error:
            form[error.field].errors.append(str(error))
        else:
            return _pdf(pdf, f"sheet-{form.language.data}-x{form.copies.data}")
    return render_template("sheets/copies.html", form=form)


def _print_page(form, back_url, heading):
    return render_template("sheets/print.html", form=form, back_url=back_url, heading=heading)


@blueprint.route("/client/<int:client_id>", methods=["POST"])
def print_for_client(client_id: int):
    client = get_scoped_or_404(Client, client_id, current_user)
    form = ClientPrintForm()
    form.set_sheets(_topics())
    if form.validate_on_submit():
        try:
            pdf = services.print_for_client(current_actor(), client, form.sheet_id.data,
                                            form.language.data, form.paper.data)
        except services.SheetError as error:
            form[error.field].errors.append(str(error))
        else:
            return _pdf(pdf, f"{client.reference}-{form.language.data}")
    return _print_page(form, url_for("clients.show", client_id=client.id),
                       _("Print an information sheet"))


@blueprint.route("/group-session/<int:group_session_id>", methods=["POST"])
def print_for_group_session(group_session_id: int):
    group_session = get_scoped_or_404(GroupSession, group_session_id, current_user)
    form = GroupPrintForm()
    form.set_sheets(_topics())
    if form.validate_on_submit():
        try:
            pdf = services.print_for_group_session(current_actor(), group_session,
                                                   form.sheet_id.data, form.paper.data)
        except services.SheetError as error:
            form[error.field].errors.append(str(error))
        else:
            return _pdf(pdf, f"group-session-{group_session.id}-sheets")
    return _print_page(form, url_for("group_sessions.show", group_session_id=group_session.id),
                       _("Print a sheet for every attendee"))


@blueprint.route("/referral/<int:referral_id>/slip", methods=["POST"])
def referral_slip(referral_id: int):
    referral = get_scoped_or_404(Referral, referral_id, current_user)
    form = SlipForm()
    if form.validate_on_submit():
        pdf = services.referral_slip(current_actor(), referral, form.language.data,
                                     form.paper.data)
        return _pdf(pdf, f"referral-{referral.id}-{form.language.data}")
    return _print_page(form, url_for("referrals.show", referral_id=referral.id),
                       _("Print a referral slip"))


@blueprint.app_template_global()
def sheet_language_name(code: str) -> str:
    return LANGUAGES.get(code, code)
