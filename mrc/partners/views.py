from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mrc.centres.services import all_centres
from mrc.core import current_actor
from mrc.i18n import isolate
from mrc.partners import choices, services
from mrc.partners.forms import PartnerFilterForm, PartnerForm
from mrc.partners.models import Partner
from mrc.security import get_scoped_or_404

blueprint = Blueprint("partners", __name__, url_prefix="/partners")

PARTNERS_PER_PAGE = 25


def _partner_form(partner: Partner | None = None) -> PartnerForm:
    centres = all_centres()
    form = PartnerForm(
        formdata=request.form if request.method == "POST" else None,
        scope_choices=services.scope_choices(current_user, centres),
        centres=centres,
        default_country=current_user.centre.country if current_user.centre else "PK",
    )
    if request.method == "GET":
        if partner is not None:
            form.load(services.PartnerData.from_partner(partner), services.scope_value(partner))
        elif current_user.centre is not None:
            form.scope.data = f"centre-{current_user.centre_id}"
    return form


@blueprint.route("/")
def index():
    filters = PartnerFilterForm(request.args)
    kind = service = None
    if filters.validate():
        kind, service = filters.kind.data or None, filters.service.data or None
    partners = services.list_partners(
        current_actor(), kind=kind, service=service,
        page=request.args.get("page", 1, type=int), per_page=PARTNERS_PER_PAGE,
    )
    return render_template(
        "partners/index.html", partners=partners, filters=filters, choices=choices,
        may_create=services.may_create_partners(current_user),
        filter_args={"kind": kind or "", "service": service or ""},
    )


@blueprint.route("/<int:partner_id>")
def show(partner_id: int):
    partner = get_scoped_or_404(Partner, partner_id, current_user)
    return render_template("partners/show.html", partner=partner, choices=choices,
                           may_edit=services.may_edit_partner(current_user, partner))


@blueprint.route("/new", methods=["GET", "POST"])
def new():
    if not services.may_create_partners(current_user):
        abort(403)
    form = _partner_form()
    if form.validate_on_submit():
        try:
            partner = services.create_partner(current_actor(), form.to_data())
        except services.PartnerPermissionError:
            abort(403)
        flash(_("%(name)s added to the directory.", name=isolate(partner.name)), "success")
        return redirect(url_for("partners.show", partner_id=partner.id))
    return render_template("partners/form.html", form=form, partner=None)


@blueprint.route("/<int:partner_id>/edit", methods=["GET", "POST"])
def edit(partner_id: int):
    partner = get_scoped_or_404(Partner, partner_id, current_user)
    if not services.may_edit_partner(current_user, partner):
        abort(403)
    form = _partner_form(partner)
    if form.validate_on_submit():
        try:
            changed = services.update_partner(current_actor(), partner, form.to_data())
        except services.PartnerPermissionError:
            abort(403)
        flash(_("Changes saved.") if changed else _("Nothing was changed."),
              "success" if changed else "info")
        return redirect(url_for("partners.show", partner_id=partner.id))
    return render_template("partners/form.html", form=form, partner=partner)
