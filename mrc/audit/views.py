from flask import Blueprint, current_app, render_template, request
from sqlalchemy import select

from mrc.audit.forms import AuditFilterForm
from mrc.audit.services import (
    ACTION_LABELS,
    OBJECT_TYPE_LABELS,
    AuditFilter,
    filtered_events,
)
from mrc.auth.models import Role, User
from mrc.centres.services import all_centres
from mrc.clients.models import Client
from mrc.core import current_actor
from mrc.extensions import db
from mrc.i18n import select_timezone
from mrc.security import require_role

blueprint = Blueprint("audit", __name__, url_prefix="/audit")


@blueprint.route("/")
@require_role(Role.ADMIN)
def index():
    form = AuditFilterForm(request.args)
    form.set_choices(db.session.scalars(select(User).order_by(User.username)), all_centres())
    wanted = AuditFilter(timezone=select_timezone() or "UTC")
    if form.validate():
        wanted.user_id = form.user_id.data or None
        wanted.centre_id = form.centre_id.data or None
        wanted.action = form.action.data or None
        wanted.date_from = form.date_from.data
        wanted.date_to = form.date_to.data
        wanted.object_type = request.args.get("object_type") or None
        wanted.object_id = request.args.get("object_id", type=int)
    events = db.paginate(
        filtered_events(current_actor(), wanted),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["AUDIT_EVENTS_PER_PAGE"],
        error_out=False,
    )
    client_ids = {e.object_id for e in events.items if e.object_type == "client" and e.object_id}
    client_refs = dict(
        db.session.execute(select(Client.id, Client.reference).where(Client.id.in_(client_ids)))
        .all()
    )
    centre_codes = {centre.id: centre.code for centre in all_centres()}
    return render_template("audit/index.html", form=form, events=events,
                           client_refs=client_refs, centre_codes=centre_codes,
                           action_labels=ACTION_LABELS, object_type_labels=OBJECT_TYPE_LABELS)
