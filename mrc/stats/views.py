from datetime import date
from typing import NamedTuple

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from mrc.auth.models import Role
from mrc.centres.services import all_centres
from mrc.core import current_actor
from mrc.forms import options
from mrc.i18n import isolate
from mrc.security import require_role
from mrc.stats import charts, exports, services
from mrc.stats.forms import MonthSubmissionForm, StatisticsFilterForm
from mrc.stats.services import StatisticsAccessDenied, SubmissionRefused

blueprint = Blueprint("stats", __name__, url_prefix="/stats")


class Wanted(NamedTuple):
    """The statistics asked for: first month, last month of a range (None: one month) and
    centre (None: all centres, for admins)."""

    month: date
    last_month: date | None
    centre_id: int | None


def _wanted(form: StatisticsFilterForm) -> Wanted | None:
    """The statistics asked for in the query string, last month by default; None when the
    months are invalid (the form then holds the errors, beside its fields).

    Raises ``StatisticsAccessDenied``.
    """
    actor = current_actor()
    user = actor.user
    if user.role == Role.ADMIN:
        form.set_centres(all_centres())
        centre_id = form.centre.data or None  # read (as a number) before validation
    else:
        form.centre.choices = options([(user.centre_id, user.centre.name)] if user.centre else [])
        centre_id = user.centre_id
    form.current_month = services.current_month(
        services.statistics_centres(actor, centre_id))
    form.validate()
    if form.month.errors or form.to.errors:
        return None
    month = form.month.data
    if month is None:
        month = services.default_month(form.current_month)
        form.month.data = month
    return Wanted(month, form.to.data if form.to.data != month else None, centre_id)


@blueprint.route("/")
@require_role(Role.MANAGER, Role.ADMIN)
def index():
    form = StatisticsFilterForm(request.args)
    try:
        wanted = _wanted(form)
        if wanted is None:
            # The errors beside the fields and no figures: none would be those asked for.
            return render_template("stats/index.html", form=form, stats=None)
        stats = services.monthly_statistics(current_actor(), wanted.month, wanted.centre_id,
                                            last_month=wanted.last_month)
    except StatisticsAccessDenied:
        abort(404)
    return render_template("stats/index.html", form=form, stats=stats,
                           centre_id=wanted.centre_id, can_submit=services.can_submit(stats),
                           charts=charts.page_charts(stats))


def _download(make, stem: str, extension: str, mimetype: str) -> Response:
    """An export of the page's statistics (same query parameters, same access rules). An
    invalid period downloads nothing: the statistics page shows why, beside the field."""
    form = StatisticsFilterForm(request.args)
    try:
        wanted = _wanted(form)
        if wanted is None:
            return redirect(url_for("stats.index", centre=request.args.get("centre"),
                                    month=request.args.get("month"),
                                    to=request.args.get("to")))
        body = make(current_actor(), wanted.month, wanted.centre_id, wanted.last_month)
    except StatisticsAccessDenied:
        abort(404)
    scope = (services.statistics_centres(current_actor(), wanted.centre_id)[0].code
             if wanted.centre_id else "all")
    months = f"{wanted.month:%Y-%m}"
    if wanted.last_month:
        months += f"-to-{wanted.last_month:%Y-%m}"
    name = f"{stem}-{scope}-{months}.{extension}"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blueprint.route("/export.csv")
@require_role(Role.MANAGER, Role.ADMIN)
def export():
    # Werkzeug adds "; charset=utf-8" to a text type (given here too, it was sent twice).
    return _download(exports.export_csv, "statistics", "csv", "text/csv")


@blueprint.route("/export.xlsx")
@require_role(Role.MANAGER, Role.ADMIN)
def export_xlsx():
    return _download(exports.export_xlsx, "statistics", "xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@blueprint.route("/report.pdf")
@require_role(Role.MANAGER, Role.ADMIN)
def report_pdf():
    return _download(exports.report_pdf, "statistics-report", "pdf", "application/pdf")


@blueprint.route("/submit", methods=["GET", "POST"])
@require_role(Role.MANAGER, Role.ADMIN)
def submit():
    """Confirm, then close one centre's month (managers: their own centre's)."""
    actor = current_actor()
    user = actor.user
    if request.method == "POST":
        form = MonthSubmissionForm()
    else:
        try:
            wanted = _wanted(StatisticsFilterForm(request.args))
        except StatisticsAccessDenied:
            abort(404)
        # An invalid month in the link leaves the month to choose.
        month, centre_id = (wanted.month, wanted.centre_id) if wanted else (None, None)
        form = MonthSubmissionForm(formdata=None, data={"month": month, "centre": centre_id or 0})
    if user.role == Role.ADMIN:
        form.set_centres(all_centres())
    else:
        del form.centre
    if form.validate_on_submit():
        centre_id = form.centre.data if user.role == Role.ADMIN else user.centre_id
        try:
            submission = services.submit_month(actor, form.month.data, centre_id)
        except StatisticsAccessDenied:
            abort(404)
        except SubmissionRefused as refused:
            form.month.errors.append(str(refused.message))
        else:
            flash(_("%(month)s is submitted for %(centre)s.",
                    month=services.months_label(submission.month),
                    centre=isolate(submission.centre.name)), "success")
            return redirect(url_for("stats.index", month=f"{submission.month:%Y-%m}",
                                    centre=submission.centre_id))
    return render_template("stats/submit.html", form=form)
