from flask import Blueprint, Response, abort, render_template, request

from mrc.auth.models import Role
from mrc.centres.services import all_centres, centre_today
from mrc.core import current_actor
from mrc.database import utcnow
from mrc.forms import options
from mrc.security import require_role
from mrc.stats import services
from mrc.stats.forms import StatisticsFilterForm
from mrc.stats.services import StatisticsAccessDenied

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


@blueprint.route("/")
@require_role(Role.MANAGER, Role.ADMIN)
def index():
    form = StatisticsFilterForm(request.args)
    month, centre_id = _wanted(form)
    try:
        stats = services.monthly_statistics(current_actor(), month, centre_id)
    except StatisticsAccessDenied:
        abort(404)
    return render_template("stats/index.html", form=form, stats=stats, centre_id=centre_id)


@blueprint.route("/export.csv")
@require_role(Role.MANAGER, Role.ADMIN)
def export():
    form = StatisticsFilterForm(request.args)
    month, centre_id = _wanted(form)
    try:
        text = services.export_csv(current_actor(), month, centre_id)
    except StatisticsAccessDenied:
        abort(404)
    scope = services.statistics_centres(current_actor(), centre_id)[0].code if centre_id else "all"
    name = f"statistics-{scope}-{month:%Y-%m}.csv"
    return Response(text, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
