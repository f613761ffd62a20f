from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from mrc.centres.services import centre_today
from mrc.clients import choices as client_choices
from mrc.clients.forms import StartRegistrationForm
from mrc.clients.models import Client
from mrc.core import current_actor
from mrc.group_sessions import choices, services
from mrc.group_sessions.forms import (
    AttendeeForm,
    AttendeeSearchForm,
    GroupSessionForm,
    HeadCountForm,
    KindFilterForm,
)
from mrc.group_sessions.models import GroupSession
from mrc.i18n import format_local_time, isolate, script_language
from mrc.security import get_scoped_or_404

blueprint = Blueprint("group_sessions", __name__, url_prefix="/group-sessions")

BLANK_SHEET_ROWS = 10


@blueprint.context_processor
def group_session_helpers():
    return {"choices": choices, "client_choices": client_choices, "format_time": format_local_time}


def _group_session_or_404(group_session_id: int) -> GroupSession:
    return get_scoped_or_404(GroupSession, group_session_id, current_user)


def _session_form(group_session: GroupSession | None = None) -> GroupSessionForm:
    form = GroupSessionForm(partners=services.partners_for(current_actor()))
    if request.method == "GET":
        if group_session is not None:
            day, at = services.local_parts(group_session)
            form.load(services.GroupSessionData.from_group_session(group_session), day, at)
        else:
            form.date.data = centre_today(current_user.centre)
    return form


def _show_error(form: GroupSessionForm, error: services.GroupSessionError) -> None:
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, str(error.message)]
    else:
        flash(str(error.message), "error")


@blueprint.route("/")
def index():
    filter_form = KindFilterForm(request.args)
    kind = filter_form.kind.data if filter_form.validate() else None
    listing = services.list_group_sessions(
        current_actor(), kind=kind or None, page=request.args.get("page", 1, type=int),
        per_page=current_app.config.get("GROUP_SESSIONS_PER_PAGE", 25),
    )
    return render_template(
        "group_sessions/index.html", filter_form=filter_form, listing=listing,
        kind=kind or None, participants=services.participant_counts(listing.items),
    )


@blueprint.route("/new", methods=["GET", "POST"])
def new():
    if current_user.centre is None:
        flash(_("Only staff of a centre can record group sessions."), "warning")
        return redirect(url_for("group_sessions.index"))
    form = _session_form()
    if form.validate_on_submit():
        try:
            group_session = services.create_group_session(
                current_actor(), form.to_data(current_user.centre))
        except services.GroupSessionError as error:
            _show_error(form, error)
        else:
            flash(_("Session recorded. Add the people who attended."), "success")
            return redirect(url_for("group_sessions.show", group_session_id=group_session.id))
    return render_template("group_sessions/form.html", form=form, group_session=None)


@blueprint.route("/<int:group_session_id>/edit", methods=["GET", "POST"])
def edit(group_session_id: int):
    group_session = _group_session_or_404(group_session_id)
    form = _session_form(group_session)
    if form.validate_on_submit():
        try:
            changed = services.update_group_session(
                current_actor(), group_session, form.to_data(group_session.centre))
        except services.GroupSessionError as error:
            _show_error(form, error)
        else:
            flash(_("Changes saved.") if changed else _("Nothing was changed."),
                  "success" if changed else "info")
            return redirect(url_for("group_sessions.show", group_session_id=group_session.id))
    return render_template("group_sessions/form.html", form=form, group_session=group_session)


def _render_show(group_session: GroupSession, *, search_form=None, matches=None,
                 head_form=None, status=200):
    """The session's page; every rendering lists clients by name, so each is audited."""
    actor = current_actor()
    services.view_group_session(actor, group_session)
    if head_form is None:
        head_form = HeadCountForm(formdata=None)
        head_form.load(services.head_counts(group_session))
    searched_term = search_form.term.data if search_form is not None else ""
    start_form = StartRegistrationForm(formdata=None)
    start_form.term.data = searched_term
    return render_template(
        "group_sessions/show.html",
        group_session=group_session,
        attendees=services.attendees(actor, group_session),
        totals=services.participant_totals(group_session),
        head_form=head_form,
        search_form=search_form or AttendeeSearchForm(formdata=None),
        matches=matches,
        max_matches=services.MAX_MATCHES,
        start_form=start_form,
        may_register=current_user.centre_id == group_session.centre_id,
    ), status


@blueprint.route("/<int:group_session_id>")
def show(group_session_id: int):
    return _render_show(_group_session_or_404(group_session_id))


@blueprint.route("/<int:group_session_id>/find", methods=["POST"])
def find(group_session_id: int):
    """Without JavaScript: search registered people and list them with "Add" buttons."""
    group_session = _group_session_or_404(group_session_id)
    search_form = AttendeeSearchForm()
    matches = None
    if search_form.validate_on_submit():
        matches = services.find_clients(current_actor(), group_session, search_form.term.data)
        if matches is None:
            search_form.term.errors = [_("Type a name, reference, phone or ID number.")]
    return _render_show(group_session, search_form=search_form, matches=matches)


@blueprint.route("/<int:group_session_id>/attendees/search", methods=["POST"])
def attendee_search(group_session_id: int):
    """The type-ahead: at most ten matches as JSON. POST with the CSRF token, so that search
    terms stay out of URLs, logs and browser history."""
    group_session = _group_session_or_404(group_session_id)
    term = (request.form.get("term") or "")[:100]
    matches = services.find_clients(current_actor(), group_session, term) or []
    results = [
        {
            "id": match.client.id,
            "reference": match.client.reference,
            "name": match.client.full_name,
            "native_name": match.client.full_name_native,
            "native_lang": script_language(match.client.full_name_native,
                                           group_session.centre.default_locale,
                                           group_session.centre.country),
            "birth_year": match.client.birth_year,
            "born": _("born %(year)s", year=match.client.birth_year)
            if match.client.birth_year else "",
            "attending": match.attending,
            "note": _("already on the list") if match.attending else "",
        }
        for match in matches
    ]
    if results:
        message = ngettext("%(num)s match. Use the arrow keys to choose and Enter to add.",
                           "%(num)s matches. Use the arrow keys to choose and Enter to add.",
                           len(results))
    else:
        message = _("Nobody matches.")
    return jsonify(results=results, message=message)


@blueprint.route("/<int:group_session_id>/attendees", methods=["POST"])
def add_attendee(group_session_id: int):
    group_session = _group_session_or_404(group_session_id)
    form = AttendeeForm()
    target = url_for("group_sessions.show", group_session_id=group_session.id,
                     _anchor="add-attendees")
    raw_id = (form.client_id.data or "").strip() if form.validate_on_submit() else ""
    if not raw_id:
        flash(_("Choose a person to add."), "warning")
        return redirect(target)
    if not raw_id.isdigit():
        abort(404)
    client = get_scoped_or_404(Client, int(raw_id), current_user)
    try:
        added = services.add_attendee(current_actor(), group_session, client)
    except services.NotInCentre:
        abort(404)
    if added:
        flash(_("%(name)s added to the attendance.", name=isolate(client.full_name)), "success")
    else:
        flash(_("%(name)s is already on the attendance list.", name=isolate(client.full_name)),
              "info")
    return redirect(target)


@blueprint.route("/<int:group_session_id>/attendees/<int:client_id>/remove", methods=["POST"])
def remove_attendee(group_session_id: int, client_id: int):
    group_session = _group_session_or_404(group_session_id)
    client = services.remove_attendee(current_actor(), group_session, client_id)
    if client is None:
        flash(_("This person is not on the attendance list."), "info")
    else:
        flash(_("%(name)s removed from the attendance.", name=isolate(client.full_name)), "success")
    return redirect(url_for("group_sessions.show", group_session_id=group_session.id,
                            _anchor="attendees"))


@blueprint.route("/<int:group_session_id>/head-counts", methods=["POST"])
def head_counts(group_session_id: int):
    group_session = _group_session_or_404(group_session_id)
    form = HeadCountForm()
    if form.validate_on_submit():
        try:
            changed = services.set_head_counts(current_actor(), group_session, form.counts())
        except services.GroupSessionError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Head counts saved.") if changed else _("Nothing was changed."),
                  "success" if changed else "info")
            return redirect(url_for("group_sessions.show", group_session_id=group_session.id,
                                    _anchor="participants"))
    return _render_show(group_session, head_form=form)


@blueprint.route("/<int:group_session_id>/sheet")
def sheet(group_session_id: int):
    """The attendance sheet to print and have signed."""
    group_session = _group_session_or_404(group_session_id)
    actor = current_actor()
    services.record_sheet_print(actor, group_session)
    return render_template(
        "group_sessions/sheet.html",
        group_session=group_session,
        attendees=services.attendees(actor, group_session),
        blank_rows=BLANK_SHEET_ROWS,
    )
