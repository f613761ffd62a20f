"""Pages and helpers that belong to no single feature: home, language choice, error pages."""

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from mrc.actor import Actor
from mrc.i18n import (
    LANGUAGES,
    RIGHT_TO_LEFT,
    country_name,
    format_item_list,
    format_local_datetime,
    html_lang,
    isolate,
    language_name,
    script_language,
    text_direction,
)

blueprint = Blueprint("core", __name__)


def current_actor() -> Actor:
    """The logged-in user and their address, as services want them."""
    return Actor(user=current_user._get_current_object(), remote_addr=request.remote_addr or "")


def safe_next_url(target: str | None) -> str | None:
    """Only same-site paths are followed after login or a language change."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@blueprint.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links (Chromium's PDF viewer does, for
    every PDF shown): the icon, not a 404 in the console."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@blueprint.route("/")
def home():
    """Today's work: follow-ups due and overdue, referrals needing action, recent clients.

    Counsellors see their own; managers see the whole centre, a table per counsellor, and can
    narrow the lists to one counsellor.
    """
    from mrc.auth.models import Role
    from mrc.centres.services import centre_today
    from mrc.clients import services as clients
    from mrc.counselling import services as counselling
    from mrc.database import utcnow
    from mrc.referrals import choices as referral_choices
    from mrc.referrals import services as referrals

    actor = current_actor()
    user = actor.user
    today = centre_today(user.centre) if user.centre else utcnow().date()
    counsellor_id = None
    if user.role != Role.COUNSELLOR:
        counsellor_id = request.args.get("counsellor", type=int)
    follow_ups = counselling.follow_ups_due(actor, today=today, counsellor_id=counsellor_id,
                                            page=request.args.get("page", 1, type=int))
    per_counsellor = []
    if user.role != Role.COUNSELLOR and user.centre:
        waiting = referrals.count_referrals_needing_action_by_person(actor)
        per_counsellor = [
            (person, due, late, waiting.get(person.id, 0))
            for person, due, late in counselling.follow_up_counts_by_counsellor(actor, today=today)]
    return render_template(
        "home.html",
        today=today,
        follow_ups=follow_ups,
        referrals_waiting=referrals.referrals_needing_action(actor, counsellor_id=counsellor_id),
        # The list stops at 20; the card counts them all.
        referrals_waiting_count=referrals.count_referrals_needing_action(
            actor, counsellor_id=counsellor_id),
        per_counsellor=per_counsellor,
        counsellor_id=counsellor_id,
        recent=clients.recent_clients(actor),
        registered_today=clients.registered_today_count(actor),
        referral_choices=referral_choices,
    )


@blueprint.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language; saved on the user when logged in."""
    from mrc.auth.services import set_preferred_locale

    chosen = request.form.get("locale", "")
    if chosen in LANGUAGES:
        session["locale"] = chosen
        if current_user.is_authenticated:
            set_preferred_locale(current_user, chosen)
    return redirect(safe_next_url(request.form.get("next")) or url_for("core.home"))


def register_error_handlers(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = _("This form has expired or was sent from elsewhere. Please try again.")
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error):
        messages = {
            403: _("You do not have access to this page."),
            404: _("This page does not exist, or you do not have access to it."),
            405: _("This action is not possible here."),
            413: _("What you sent is too large. Please shorten the text and try again."),
        }
        message = messages.get(error.code, _("The request could not be completed."))
        return render_template("errors/error.html", code=error.code, message=message), error.code

    @app.errorhandler(500)
    def server_error(error):
        from mrc.extensions import db

        db.session.rollback()
        message = _("Something went wrong on our side. Nothing was saved; please try again.")
        return render_template("errors/error.html", code=500, message=message), 500


def register_template_helpers(app) -> None:
    from mrc.auth.models import ROLE_LABELS
    from mrc.database import utcnow

    @app.context_processor
    def page_context():
        return {
            "role_labels": ROLE_LABELS,
            "now_local": utcnow(),
            "languages": LANGUAGES,
            "current_locale": str(get_locale()),
            "html_lang": html_lang(),
            "text_direction": text_direction(),
            "rtl_locales": RIGHT_TO_LEFT,
        }

    app.jinja_env.filters["country"] = country_name
    app.jinja_env.filters["language"] = language_name
    app.jinja_env.filters["datetime"] = format_local_datetime
    app.jinja_env.filters["listed"] = format_item_list
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.filters["number"] = format_decimal
    app.jinja_env.filters["phone"] = format_phone
    app.jinja_env.filters["isolate"] = isolate
    app.jinja_env.filters["native_lang"] = lambda client: script_language(
        client.full_name_native, client.centre.default_locale, client.centre.country
    )


def format_phone(e164: str | None) -> str:
    """``+923001234567`` -> ``+92 300 1234567`` (international format, readable in any locale)."""
    if not e164:
        return ""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
