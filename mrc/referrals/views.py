from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mrc.clients.models import Client
from mrc.core import current_actor
from mrc.i18n import isolate
from mrc.referrals import choices, services
from mrc.referrals.forms import FollowUpForm, ReferralFilterForm, ReferralForm, StatusForm
from mrc.referrals.models import Referral
from mrc.security import get_scoped_or_404

# No url_prefix: referrals are made from a client's page (/clients/<id>/referrals/new) and
# live under /referrals/.
blueprint = Blueprint("referrals", __name__)

REFERRALS_PER_PAGE = 25


@blueprint.route("/referrals/")
def index():
    actor = current_actor()
    filters = ReferralFilterForm(request.args)
    filters.set_partners(services.partners_referred_to(actor))
    show, partner_id, status = "action", None, None
    if filters.validate():
        show = filters.show.data or "action"
        partner_id = filters.partner_id.data or None
        status = filters.status.data or None
    referrals = services.list_referrals(
        actor, needing_action=show == "action", partner_id=partner_id, status=status,
        page=request.args.get("page", 1, type=int), per_page=REFERRALS_PER_PAGE,
    )
    return render_template(
        "referrals/index.html", referrals=referrals, filters=filters, choices=choices,
        needing_action=show == "action",
        filter_args={"show": show, "partner_id": partner_id or 0, "status": status or ""},
    )


@blueprint.route("/clients/<int:client_id>/referrals/new", methods=["GET", "POST"])
def new(client_id: int):
    client = get_scoped_or_404(Client, client_id, current_user)
    actor = current_actor()
    form = ReferralForm(
        formdata=request.form if request.method == "POST" else None,
        partners=services.partner_choices(actor, client),
    )
    may_override = services.may_override_consent(current_user)
    if request.method == "GET":
        form.follow_up_due.data = services.default_follow_up(client.centre)
    if form.validate_on_submit():
        try:
            referral = services.make_referral(actor, client, form.to_data())
        except services.ReferralError as error:
            form[error.field].errors.append(str(error))
        else:
            flash(_("Referral to %(partner)s made.", partner=isolate(referral.partner.name)),
                  "success")
            return redirect(url_for("referrals.show", referral_id=referral.id))
    return render_template("referrals/new.html", form=form, client=client,
                           may_override=may_override)


def _render_show(referral: Referral, status_form: StatusForm, follow_up_form: FollowUpForm):
    status_form.set_choices(services.allowed_next_statuses(referral))
    return render_template(
        "referrals/show.html", referral=referral, choices=choices,
        status_form=status_form, follow_up_form=follow_up_form,
        is_open=services.is_open(referral),
    )


@blueprint.route("/referrals/<int:referral_id>")
def show(referral_id: int):
    referral = get_scoped_or_404(Referral, referral_id, current_user)
    services.view_referral(current_actor(), referral)
    follow_up_form = FollowUpForm(formdata=None)
    follow_up_form.follow_up_due.data = referral.follow_up_due
    return _render_show(referral, StatusForm(formdata=None), follow_up_form)


@blueprint.route("/referrals/<int:referral_id>/status", methods=["POST"])
def change_status(referral_id: int):
    referral = get_scoped_or_404(Referral, referral_id, current_user)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            change = services.change_status(current_actor(), referral, form.to_status.data,
                                            note=form.note.data, outcome=form.outcome.data)
        except services.ReferralError as error:
            form[error.field].errors.append(str(error))
        else:
            flash(_("The referral is now: %(status)s.",
                    status=choices.label_for(choices.STATUSES, change.to_status)), "success")
            return redirect(url_for("referrals.show", referral_id=referral.id))
    follow_up_form = FollowUpForm(formdata=None)
    follow_up_form.follow_up_due.data = referral.follow_up_due
    return _render_show(referral, form, follow_up_form)


@blueprint.route("/referrals/<int:referral_id>/follow-up", methods=["POST"])
def change_follow_up(referral_id: int):
    referral = get_scoped_or_404(Referral, referral_id, current_user)
    form = FollowUpForm()
    if form.validate_on_submit():
        try:
            changed = services.change_follow_up(current_actor(), referral,
                                                form.follow_up_due.data)
        except services.ReferralError as error:
            form[error.field].errors.append(str(error))
        else:
            if changed:
                flash(_("Follow-up date changed."), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("referrals.show", referral_id=referral.id))
    return _render_show(referral, StatusForm(formdata=None), form)
