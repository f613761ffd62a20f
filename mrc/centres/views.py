from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from mrc.auth.models import Role
from mrc.centres import services
from mrc.centres.forms import CentreForm
from mrc.centres.models import Centre
from mrc.core import current_actor
from mrc.extensions import db
from mrc.security import require_role

blueprint = Blueprint("centres", __name__, url_prefix="/centres")


@blueprint.route("/")
@require_role(Role.ADMIN)
def index():
    return render_template("centres/index.html", centres=services.all_centres())


@blueprint.route("/<int:centre_id>", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def edit(centre_id: int):
    centre = db.session.get(Centre, centre_id) or abort(404)
    form = CentreForm(obj=centre, country=centre.country)
    if form.validate_on_submit():
        services.update_centre(
            current_actor(), centre,
            **{field: form[field].data for field in services.EDITABLE_FIELDS},
        )
        flash(_("Centre %(code)s saved.", code=centre.code), "success")
        return redirect(url_for("centres.index"))
    return render_template("centres/edit.html", form=form, centre=centre)
