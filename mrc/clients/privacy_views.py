"""The person's rights from the client page, and the retention list. Managers and admins only.

Registered on the clients blueprint (imported at the end of ``mrc.clients.views``).
"""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mrc.auth.models import Role
from mrc.centres.services import centre_today
from mrc.clients import choices, privacy
from mrc.clients.models import Client
from mrc.clients.privacy_forms import AnonymiseForm, ConsentChangeForm
from mrc.clients.views import blueprint
from mrc.core import current_actor
from mrc.i18n import LANGUAGES
from mrc.security import get_scoped_or_404, require_role

MANAGERS = (Role.MANAGER, Role.ADMIN)


def _client(client_id: int) -> Client:
    return get_scoped_or_404(Client, client_id, current_user)


def _privacy_page(client: Client, consent_form: ConsentChangeForm, status: int = 200):
    return render_template(
        "clients/privacy/index.html",
        client=client,
        choices=choices,
        consent_form=consent_form,
        consent_changes=privacy.consent_history(client),
        pdf_languages=[(code, LANGUAGES[code]) for code in privacy.PDF_LANGUAGES],
        pdf_language=privacy.pdf_language(client),
    ), status


@blueprint.route("/<int:client_id>/privacy")
@require_role(*MANAGERS)
def privacy_page(client_id: int):
    client = _client(client_id)
    privacy.view_privacy(current_actor(), client)
    form = ConsentChangeForm(formdata=None)
    form.on.data = centre_today(client.centre)
    return _privacy_page(client, form)


@blueprint.route("/<int:client_id>/consent", methods=["POST"])
@require_role(*MANAGERS)
def change_consent(client_id: int):
    client = _client(client_id)
    form = ConsentChangeForm()
    if form.validate_on_submit():
        granted = form.action.data == "grant"
        try:
            changed = privacy.change_consent(current_actor(), client, form.purpose.data,
                                             granted, form.on.data, form.note.data or "")
        except privacy.PrivacyError as error:
            form.on.errors.append(str(error))
        else:
            if not changed:
                flash(_("Nothing was changed."), "info")
            elif granted:
                flash(_("Consent given again."), "success")
            else:
                flash(_("Consent withdrawn."), "success")
            if not granted and form.purpose.data == "consent_services" and changed:
                flash(_("The person no longer agrees to their data being recorded. Anonymise "
                        "the record unless it must be kept."), "warning")
                return redirect(url_for("clients.anonymise", client_id=client.id))
            return redirect(url_for("clients.privacy_page", client_id=client.id))
    return _privacy_page(client, form)


@blueprint.route("/<int:client_id>/everything.json")
@require_role(*MANAGERS)
def export_json(client_id: int):
    client = _client(client_id)
    document = privacy.export_json(current_actor(), client)
    return Response(document, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{client.reference}.json"'})


@blueprint.route("/<int:client_id>/everything.pdf")
@require_role(*MANAGERS)
def export_pdf(client_id: int):
    client = _client(client_id)
    lang = request.args.get("lang") or privacy.pdf_language(client)
    if lang not in privacy.PDF_LANGUAGES:
        lang = privacy.pdf_language(client)
    pdf = privacy.export_pdf(current_actor(), client, lang)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{client.reference}-{lang}.pdf"'})


@blueprint.route("/<int:client_id>/corrections")
@require_role(*MANAGERS)
def corrections(client_id: int):
    client = _client(client_id)
    rows = privacy.corrections(current_actor(), client)
    return render_template("clients/privacy/corrections.html", client=client, corrections=rows,
                           field_label=privacy.field_label, shown_value=privacy.shown_value)


@blueprint.route("/<int:client_id>/anonymise", methods=["GET", "POST"])
@require_role(*MANAGERS)
def anonymise(client_id: int):
    client = _client(client_id)
    form = AnonymiseForm()
    if client.anonymised_at is None and form.validate_on_submit():
        if (form.reference.data or "").strip().upper() != client.reference:
            form.reference.errors.append(
                _("This is not the client's reference. Type it as shown above."))
        else:
            privacy.anonymise_client(current_actor(), client, form.reason.data)
            flash(_("The record was anonymised."), "success")
            return redirect(url_for("clients.show", client_id=client.id))
    return render_template("clients/privacy/anonymise.html", client=client, form=form)


@blueprint.route("/retention")
@require_role(*MANAGERS)
def retention():
    result = privacy.retention_due(current_actor(), page=max(1, request.args.get("page", 1,
                                                                                 type=int)))
    return render_template("clients/privacy/retention.html", result=result,
                           centres={c.id: c for c in privacy.retention_centres(current_actor())})
