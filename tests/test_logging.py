"""No personal data in the logs: a full workflow through the pages (register, search, counsel,
refer, group session attendance, a failed login with the client's name as username) is run
with every log record captured at DEBUG, plus an access log of every request line as gunicorn
writes it; none of the person's names, phone, national ID, notes or search terms appear."""

import logging
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from mrc.clients.models import Client
from mrc.extensions import db
from mrc.partners.models import Partner
from mrc.partners.services import seed_partners
from tests.conftest import login, post_form

GIVEN, FAMILY = "Zarghuna", "Khattakzai"
NATIVE_GIVEN, NATIVE_FAMILY = "زرغونه", "خټکزی"
PHONE, NATIONAL_ID = "0301 2345678", "35202-7654321-9"
NOTES = "Recruiter Qadeerabad kept her passport."
SECRET_SEARCH = "Zarghu"
PERSONAL = [GIVEN, FAMILY, NATIVE_GIVEN, NATIVE_FAMILY, "2345678", "3012345678", "7654321",
            "352027654321", "Qadeerabad", SECRET_SEARCH, "Zarg"]


class AccessLog:
    """WSGI middleware that logs each request line like gunicorn's access log does."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.logger = logging.getLogger("gunicorn.access")

    def __call__(self, environ, start_response):
        def logging_start_response(status, headers, exc_info=None):
            query = environ.get("QUERY_STRING")
            self.logger.info('"%s %s%s" %s %s', environ["REQUEST_METHOD"],
                             environ.get("PATH_INFO"), f"?{query}" if query else "",
                             status.split()[0], environ.get("HTTP_REFERER", "-"))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, logging_start_response)


@pytest.fixture
def logged(app, caplog):
    caplog.set_level(logging.DEBUG)  # the root logger: every record of every library
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", "mrc", "flask.app"):
        caplog.set_level(logging.DEBUG, logger=name)
    original = app.wsgi_app
    app.wsgi_app = AccessLog(original)
    try:
        yield caplog
    finally:
        app.wsgi_app = original


def run_workflow(app, staff) -> Client:
    seed_partners()
    browser = app.test_client()
    # A failed login with the client's name as the username, before anything else.
    browser.post("/login", data={"username": f"{GIVEN} {FAMILY}", "password": "wrong"})
    from tests.conftest import csrf_token

    token = csrf_token(browser, "/login")
    browser.post("/login", data={"csrf_token": token, "username": f"{GIVEN} {FAMILY}",
                                 "password": PHONE})
    login(browser, staff.lhr_counsellor)

    post_form(browser, "/clients/", {"term": SECRET_SEARCH, "page": "1"}, token_from="/clients/")
    registered = post_form(browser, "/clients/register", {
        "consent_services": "y", "consent_referral_sharing": "y", "given_name": GIVEN,
        "family_name": FAMILY, "given_name_native": NATIVE_GIVEN,
        "family_name_native": NATIVE_FAMILY, "sex": "female", "birth_year": "1999",
        "nationality": "PK", "national_id": NATIONAL_ID, "phone": PHONE, "district": "Lahore",
        "migration_status": "intending", "trafficking_indication": "y",
    }, token_from="/clients/")
    assert registered.status_code == 302, registered.get_data(as_text=True)[:400]
    person = db.session.scalar(select(Client).where(Client.family_name == FAMILY))
    for term in (f"{GIVEN} {FAMILY}", PHONE, NATIONAL_ID, NATIVE_GIVEN):
        found = post_form(browser, "/clients/", {"term": term, "page": "1"},
                          token_from="/clients/")
        assert person.reference in found.get_data(as_text=True), term
    # A bad value in the form (an error page that repeats the input, not a log line).
    post_form(browser, f"/clients/{person.id}/edit", {"given_name": GIVEN, "phone": "12"},
              token_from=f"/clients/{person.id}/edit")
    assert browser.get(f"/clients/{person.id}").status_code == 200

    from datetime import datetime
    from zoneinfo import ZoneInfo

    held = (datetime.now(ZoneInfo("Asia/Karachi")) - timedelta(hours=1))
    counselled = post_form(browser, f"/clients/{person.id}/counselling/new", {
        "held_at": held.strftime("%Y-%m-%dT%H:%M"), "counsellor_id": str(staff.lhr_counsellor.id),
        "channel": "phone", "duration_minutes": "25", "topics": ["fraudulent_recruitment"],
        "notes": NOTES, "follow_up_on": "",
    }, token_from=f"/clients/{person.id}/counselling/new")
    assert counselled.status_code == 302

    partner = db.session.scalar(select(Partner).where(
        Partner.name == "Protectorate of Emigrants, Lahore"))
    referral_path = f"/clients/{person.id}/referrals/new"
    referred = post_form(browser, referral_path, {
        "partner_id": str(partner.id), "service": "emigration_registration",
        "urgency": "routine", "reason": f"{GIVEN} needs the protector stamp.",
        "follow_up_due": (date.today() + timedelta(days=7)).isoformat(),
    }, token_from=referral_path)
    assert referred.status_code == 302

    created = post_form(browser, "/group-sessions/new", {
        "kind": "awareness", "date": date.today().isoformat(), "start_time": "10:00",
        "venue": "Town hall", "venue_type": "community", "partner_id": "0",
        "facilitators": "Sana Tariq", "topics": ["rights_contracts"], "notes": "",
    }, token_from="/group-sessions/new")
    assert created.status_code == 302, created.get_data(as_text=True)[:400]
    group_path = created.headers["Location"]
    found = post_form(browser, f"{group_path}/attendees/search", {"term": GIVEN},
                      token_from=group_path)
    assert found.status_code == 200
    added = post_form(browser, f"{group_path}/attendees", {"client_id": str(person.id)},
                      token_from=group_path)
    assert added.status_code == 302
    browser.post("/logout")
    return person


def test_a_full_workflow_logs_no_personal_data(app, staff, logged):
    run_workflow(app, staff)
    access = [r for r in logged.records if r.name == "gunicorn.access"]
    assert len(access) > 20  # the capture really saw the requests
    for record in logged.records:
        line = f"{record.name} {record.getMessage()} {record.exc_text or ''}"
        for value in PERSONAL:
            assert value.lower() not in line.lower(), (value, line)


def test_database_errors_do_not_carry_parameter_values(app):
    """Exceptions end up in error logs; with hide_parameters their text names no values."""
    with pytest.raises(DBAPIError) as failed:
        db.session.execute(text("SELECT * FROM no_such_table WHERE name = :name"),
                           {"name": GIVEN})
    db.session.rollback()
    assert GIVEN not in str(failed.value)
