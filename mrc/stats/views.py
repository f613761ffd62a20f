from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from mrc.auth.models import Role
from mrc.centres.services import all_centres, centre_today
from mrc.core import current_actor
from mrc.database import utcnow
from mrc.forms import options
from mrc.i18n import isolate
from mrc.security import require_role
from mrc.stats import charts, exports, services
from mrc.stats.forms import MonthSubmissionForm, StatisticsFilterForm
from mrc.stats.services import StatisticsAccessDenied, SubmissionRefused

blueprint = Blueprint("stats", __name__, url_prefix="/stats")


def _wanted(form: StatisticsFilterForm):
    """(month, centre id) from the query string; last month by default."""
    user = current_actor().user
    if user.role == Role.ADMIN:
        form.set_centres(all_centres())
    else:
        form.centre.choices = options([(user.centre_id, user.centre.name)] if user.centre else [])
    form.validate()
    centre_id = form.centre.data if user.role == Role.ADMIN else user.centre_id
    month = form.month.data if not form.month.errors and form.month.data else None
    if month is None:
        today = centre_today(user.centre) if user.centre else utcnow().date()
        month = services.default_month(today)
        form.month.data = month
    return month, centre_id or None


def _last_month(form: StatisticsFilterForm):
    """The "to" month of a valid range, else None (one month)."""
    if form.to.errors or form.month.errors or not form.month.data:
        return None
    return form.to.data or None


@blueprint.route("/")
@require_role(Role.MANAGER, Role.ADMIN)
def index():
    form = StatisticsFilterForm(request.args)
    month, centre_id = _wanted(form)
    try:
        stats = services.monthly_statistics(current_actor(), month, centre_id,
                                            last_month=_last_month(form))
    except StatisticsAccessDenied:
        abort(404)
    return render_template("stats/index.html", form=form, stats=stats, centre_id=centre_id,
                           can_submit=services.can_submit(stats),
                           charts=charts.page_charts(stats))


def _download(make, stem: str, extension: str, mimetype: str) -> Response:
    """An export of the page's statistics (same query parameters, same access rules)."""
    form = StatisticsFilterForm(request.args)
    month, centre_id = _wanted(form)
    try:
        last_month = _last_month(form)
        body = make(current_actor(), month, centre_id, last_month)
    except StatisticsAccessDenied:
        abort(404)
    scope = services.statistics_centres(current_actor(), centre_id)[0].code if centre_id else "all"
    months = f"{month:%Y-%m}"
    if last_month and last_month != month:
        months += f"-to-{last_month:%Y-%m}"
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
        wanted = StatisticsFilterForm(request.args)
        month, centre_id = _wanted(wanted)
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
