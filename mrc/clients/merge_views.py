"""Merging a duplicate record into the one that stays (managers), and undoing it (admins).

Registered on the clients blueprint (imported at the end of ``mrc.clients.views``).
"""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField, StringField
from wtforms.validators import InputRequired, Length

from mrc.auth.models import Role
from mrc.clients import merge
from mrc.clients.models import Client, ClientMerge
from mrc.clients.views import blueprint
from mrc.core import current_actor
from mrc.extensions import db
from mrc.forms import Form
from mrc.i18n import isolate
from mrc.security import get_scoped_or_404, require_role


class MergeForm(Form):
    reference = StringField(_l("Reference of the duplicate record"),
                            validators=[InputRequired(message=_l("Give the reference.")),
                                        Length(max=20)],
                            description=_l("Its sessions, referrals and attendances move to "
                                           "this record; it then only points here."))
    confirm = HiddenField()


class UndoMergeForm(Form):
    pass


@blueprint.route("/<int:client_id>/merge", methods=["GET", "POST"])
@require_role(Role.MANAGER, Role.ADMIN)
def merge_into(client_id: int):
    """Step 1: the duplicate's reference; step 2: both records side by side, confirm."""
    survivor = get_scoped_or_404(Client, client_id, current_user)
    if survivor.merged_into_id is not None:
        return redirect(url_for("clients.show", client_id=survivor.merged_into_id))
    form = MergeForm()
    duplicate = None
    if form.validate_on_submit():
        try:
            duplicate = merge.find_duplicate_record(current_actor(), survivor,
                                                    form.reference.data)
            if form.confirm.data == "yes":
                merge.merge_clients(current_actor(), survivor, duplicate)
                flash(_("%(duplicate)s was merged into %(survivor)s.",
                        duplicate=isolate(duplicate.reference),
                        survivor=isolate(survivor.reference)), "success")
                return redirect(url_for("clients.show", client_id=survivor.id))
        except merge.MergeRefused as error:
            form.reference.errors.append(str(error))
            duplicate = None
    return render_template(
        "clients/merge.html", form=form, survivor=survivor, duplicate=duplicate,
        counts={c.id: merge.activity_counts(c) for c in (survivor, duplicate) if c},
    )


@blueprint.route("/merges")
@require_role(Role.MANAGER, Role.ADMIN)
def merges():
    page = merge.merges_page(current_actor(), page=request.args.get("page", 1, type=int),
                             per_page=current_app.config["CLIENTS_PER_PAGE"])
    return render_template("clients/merges.html", merges=page, form=UndoMergeForm())


@blueprint.route("/merges/<int:merge_id>/undo", methods=["POST"])
@require_role(Role.ADMIN)
def undo_merge(merge_id: int):
    form = UndoMergeForm()
    record = _merge_or_404(merge_id)
    if form.validate_on_submit():
        try:
            merge.undo_merge(current_actor(), record)
        except merge.MergeRefused as error:
            flash(str(error), "warning")
        else:
            flash(_("The merge was undone: %(reference)s is a record of its own again.",
                    reference=isolate(record.merged.reference)), "success")
    return redirect(url_for("clients.merges"))


def _merge_or_404(merge_id: int) -> ClientMerge:
    record = db.session.get(ClientMerge, merge_id)
    if record is None:
        abort(404)
    return record
