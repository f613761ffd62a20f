from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from mrc.auth.models import User
from mrc.centres.services import centre_today
from mrc.clients.models import Client
from mrc.core import current_actor, safe_next_url
from mrc.counselling import choices, services
from mrc.counselling.forms import SessionForm
from mrc.counselling.models import CounsellingSession, CounsellingSessionChange
from mrc.database import utcnow
from mrc.extensions import db
from mrc.i18n import format_item_list, format_local_datetime
from mrc.security import get_scoped_or_404

blueprint = Blueprint("counselling", __name__)

# Field names of the history, labelled as on the form.
FIELD_LABELS = {
    "held_at": _l("Date and time"),
    "counsellor_id": _l("Counsellor"),
    "channel": _l("Channel"),
    "duration_minutes": _l("Duration in minutes"),
    "topics": _l("Topics"),
    "pathways": _l("Information given on pathways"),
    "notes": _l("Notes"),
    "follow_up_on": _l("Follow-up date"),
}


def _form(client: Client, formdata=None, *, previous=None, keep: User | None = None
          ) -> SessionForm:
    centre = client.centre
    return SessionForm(
        formdata=formdata,
        zone=ZoneInfo(centre.timezone),
        now=utcnow(),
        today=centre_today(centre),
        counsellors=services.counsellor_choices(centre.id, keep=keep),
        previous=previous,
    )


def _show_errors(form: SessionForm, invalid: services.SessionInvalid) -> None:
    for name, message in invalid.errors.items():
        form[name].errors = [*form[name].errors, str(message)]


@blueprint.route("/clients/<int:client_id>/counselling/new", methods=["GET", "POST"])
def new(client_id: int):
    """Log a session from the client's page: now, by me, walk-in unless changed."""
    client = get_scoped_or_404(Client, client_id, current_user)
    form = _form(client, request.form if request.method == "POST" else None)
    if request.method == "GET":
        # Staff of the client's centre are among the counsellors offered; admins choose.
        at_centre = current_user.centre_id == client.centre_id
        form.prefill(counsellor_id=current_user.id if at_centre else None)
    if form.validate_on_submit():
        try:
            services.log_session(current_actor(), client, form.to_data())
        except services.SessionInvalid as invalid:
            _show_errors(form, invalid)
        else:
            flash(_("Counselling session logged."), "success")
            return redirect(url_for("clients.show", client_id=client.id))
    return render_template("counselling/form.html", form=form, client=client, counselling=None)


@blueprint.route("/counselling/<int:counselling_id>")
def show(counselling_id: int):
    counselling = get_scoped_or_404(CounsellingSession, counselling_id, current_user)
    may_read_notes = services.view_session(current_actor(), counselling)
    return render_template(
        "counselling/show.html",
        counselling=counselling,
        client=counselling.client,
        choices=choices,
        may_read_notes=may_read_notes,
        may_edit=services.may_edit(current_user, counselling),
        history=_describe(services.history(counselling)),
    )


@blueprint.route("/counselling/<int:counselling_id>/edit", methods=["GET", "POST"])
def edit(counselling_id: int):
    counselling = get_scoped_or_404(CounsellingSession, counselling_id, current_user)
    if not services.may_edit(current_user, counselling):
        abort(403)
    previous = services.SessionData.from_session(counselling)
    form = _form(counselling.client, request.form if request.method == "POST" else None,
                 previous=previous, keep=counselling.counsellor)
    if request.method == "GET":
        form.load(previous)
        services.view_session(current_actor(), counselling)
    if form.validate_on_submit():
        try:
            changed = services.update_session(current_actor(), counselling, form.to_data())
        except services.SessionInvalid as invalid:
            _show_errors(form, invalid)
        except services.NotAllowed:
            abort(403)
        else:
            if changed:
                flash(_("Changes saved."), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("counselling.show", counselling_id=counselling.id))
    return render_template("counselling/form.html", form=form, client=counselling.client,
                           counselling=counselling)


@blueprint.route("/counselling/<int:counselling_id>/follow-up-done", methods=["POST"])
def follow_up_done(counselling_id: int):
    """Close the follow-up (CSRF is checked app-wide); back to ``next`` or the session."""
    counselling = get_scoped_or_404(CounsellingSession, counselling_id, current_user)
    if not services.may_edit(current_user, counselling):
        abort(403)
    if services.mark_follow_up_done(current_actor(), counselling):
        flash(_("Follow-up marked as done."), "success")
    else:
        flash(_("This session has no open follow-up."), "info")
    return redirect(safe_next_url(request.form.get("next"))
                    or url_for("counselling.show", counselling_id=counselling.id))


@blueprint.route("/counselling/mine")
def mine():
    """The current user's sessions, newest first."""
    sessions = services.my_sessions(
        current_actor(),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config.get("COUNSELLING_PER_PAGE", 25),
    )
    return render_template("counselling/mine.html", sessions=sessions, choices=choices)


# --- the history, readable ----------------------------------------------------------------------

def _describe(changes: list[CounsellingSessionChange]) -> list[dict]:
    """The history as edits (newest first), each with its changed fields' labels and both
    values as people read them. Notes have no values (``private``): only the fact of the
    change is kept."""
    user_ids = {int(value) for change in changes if change.field == "counsellor_id"
                for value in (change.old_value, change.new_value) if value.isdigit()}
    names = dict(db.session.execute(
        select(User.id, User.display_name).where(User.id.in_(user_ids))
    ).all()) if user_ids else {}

    def readable(name: str, value: str) -> str:
        if not value:
            return "—"
        if name == "held_at":
            return format_local_datetime(datetime.fromisoformat(value), "short")
        if name == "follow_up_on":
            return format_date(date.fromisoformat(value), "medium")
        if name == "counsellor_id":
            return names.get(int(value), value) if value.isdigit() else value
        if name == "channel":
            return choices.label_for(choices.CHANNELS, value)
        if name == "duration_minutes":
            return format_decimal(int(value)) if value.isdigit() else value
        if name == "topics":
            return format_item_list(choices.labels_for(choices.TOPICS, value))
        if name == "pathways":
            return format_item_list(choices.labels_for(choices.PATHWAYS, value))
        return value

    order = list(FIELD_LABELS)
    edits: list[dict] = []
    for change in changes:  # newest first; one edit's rows share their time and author
        if not edits or (edits[-1]["at"], edits[-1]["by_id"]) != (change.changed_at,
                                                                  change.changed_by_id):
            edits.append({"at": change.changed_at, "by_id": change.changed_by_id,
                          "by": change.changed_by.display_name, "changes": []})
        edits[-1]["changes"].append({
            "name": change.field,
            "field": str(FIELD_LABELS.get(change.field, change.field)),
            "private": change.field in services.PRIVATE_FIELDS,
            "old": readable(change.field, change.old_value),
            "new": readable(change.field, change.new_value),
        })
    for edit in edits:  # fields in the form's order
        edit["changes"].sort(key=lambda c: order.index(c["name"]) if c["name"] in order
                             else len(order))
    return edits
