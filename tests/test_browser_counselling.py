"""Logging a counselling session in a real Chromium, from the client's page, in a few clicks."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from mrc.actor import Actor
from mrc.clients import services as client_services
from mrc.counselling import services as counselling_services
from mrc.counselling.models import CounsellingSession
from mrc.extensions import db
from tests.test_browser import (  # noqa: F401  (fixtures)
    ARTIFACTS,
    browser,
    expect,
    live_server,
    _axe_script,
    serious_accessibility_violations,
    log_in,
    open_clients,
    page,
    page_without_csp,
    submit,
    usernames,
    watch,
)

pytestmark = pytest.mark.browser

KARACHI = ZoneInfo("Asia/Karachi")
MESSAGING = "Messaging (WhatsApp, Imo, Viber…)"


def test_counsellor_logs_a_session_from_the_client_page(page, watch, staff):
    client_row = client_services.register_client(
        Actor(staff.lhr_counsellor),
        client_services.ClientData(given_name="Muhammad", family_name="Usman", sex="male",
                                   nationality="PK", migration_status="intending",
                                   birth_year=1994, consent_services=True),
        confirmed_new=True,
    )
    reference = client_row.reference
    names = usernames(staff)
    tomorrow = datetime.now(KARACHI).date() + timedelta(days=1)

    log_in(page, names["lhr_counsellor"])
    open_clients(page)
    page.get_by_role("link", name=reference, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Muhammad Usman")

    page.get_by_role("link", name="Log counselling", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Log counselling", exact=True)).to_be_visible()
    # The defaults: now, by me, walk-in.
    expect(page.get_by_label("Counsellor", exact=True)).to_have_value(
        str(staff.lhr_counsellor.id))
    expect(page.get_by_label("Date and time", exact=True)).to_have_value(re.compile(
        datetime.now(KARACHI).strftime("%Y-%m-%d") + r"T\d\d:\d\d"))

    page.get_by_label("Channel", exact=True).select_option(label=MESSAGING)
    page.get_by_label("Duration in minutes", exact=True).fill("15")
    page.get_by_label("Fraudulent recruitment", exact=True).check()
    page.get_by_label("Follow-up date", exact=True).fill(tomorrow.isoformat())
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "counselling-form.png", full_page=True)
    submit(page, page.get_by_role("button", name="Save", exact=True))

    # Back on the client's page, the session is in the timeline.
    expect(page).to_have_url(re.compile(rf"/clients/{client_row.id}$"))
    expect(page.locator(".flash-success")).to_have_text("Counselling session logged.")
    entry = page.locator("ol.timeline li.timeline-counselling")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(f"Counselling by \u2068Lhr Counsellor\u2069 ({MESSAGING}, 15 min)")

    # "My sessions" lists it, with its topic and follow-up.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="My sessions", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="My sessions", exact=True)).to_be_visible()
    rows = page.locator("table.my-sessions tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(reference)
    expect(rows.first).to_contain_text("Muhammad Usman")
    expect(rows.first).to_contain_text(MESSAGING)
    expect(rows.first).to_contain_text("Fraudulent recruitment")
    expect(rows.first).to_contain_text(", open")
    page.screenshot(path=ARTIFACTS / "counselling-mine.png", full_page=True)

    # The session page opens from the list.
    rows.first.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1, name="Counselling session")).to_be_visible()
    expect(page.get_by_role("button", name="Mark follow-up done", exact=True)).to_be_visible()
    page.screenshot(path=ARTIFACTS / "counselling-session.png", full_page=True)

    db.session.commit()
    db.session.expire_all()
    saved = db.session.scalars(select(CounsellingSession)).all()
    db.session.commit()
    assert len(saved) == 1
    assert (saved[0].channel, saved[0].duration_minutes, saved[0].topics,
            saved[0].follow_up_on) == ("messaging", 15, "fraudulent_recruitment", tomorrow)
    assert abs(saved[0].held_at - datetime.now(UTC)) < timedelta(minutes=3)
    watch.assert_clean()


@pytest.mark.parametrize("locale", ["en", "ur"])
def test_counselling_pages_have_no_serious_accessibility_violations(page_without_csp, staff,
                                                                    locale):
    page = page_without_csp
    axe = _axe_script()
    actor = Actor(staff.lhr_counsellor)
    client_row = client_services.register_client(actor, client_services.ClientData(
        given_name="Ayesha", family_name="Bibi", given_name_native="عائشہ",
        family_name_native="بی بی", sex="female", nationality="PK",
        migration_status="intending", birth_year=2001, consent_services=True,
    ), confirmed_new=True)
    counselling = counselling_services.log_session(
        actor, client_row, counselling_services.SessionData(
            held_at=datetime.now(UTC) - timedelta(hours=1),
            counsellor_id=staff.lhr_counsellor.id, channel="phone", duration_minutes=25,
            topics=["legal_pathways", "remittances"], pathways=["study_abroad"],
            notes="یہ نوٹ ہے۔", follow_up_on=datetime.now(KARACHI).date() + timedelta(days=3),
        ))
    counselling_services.update_session(actor, counselling, counselling_services.SessionData(
        held_at=counselling.held_at, counsellor_id=staff.lhr_counsellor.id, channel="video",
        duration_minutes=30, topics=["legal_pathways"], notes="نیا نوٹ",
        follow_up_on=counselling.follow_up_on,
    ))
    staff.lhr_counsellor.preferred_locale = locale
    names = usernames(staff)
    pages = {"new": f"/clients/{client_row.id}/counselling/new",
             "show": f"/counselling/{counselling.id}",
             "edit": f"/counselling/{counselling.id}/edit",
             "mine": "/counselling/mine"}
    db.session.commit()
    log_in(page, names["lhr_counsellor"])
    problems = {}
    ARTIFACTS.mkdir(exist_ok=True)
    for name, path in pages.items():
        page.goto(path)
        if name == "new":  # with errors beside the fields
            submit(page, page.locator("form.counselling-form button[type=submit]"))
            expect(page.locator("p.error").first).to_be_visible()
        serious = serious_accessibility_violations(page, axe)
        if serious:
            problems[name] = serious
        page.screenshot(path=ARTIFACTS / f"counselling-{name}-{locale}.png", full_page=True)
    assert problems == {}


def test_overdue_follow_up_shows_on_the_home_page_the_next_day(page, watch, staff, monkeypatch):
    from mrc.centres import services as centre_services

    actor = Actor(staff.lhr_counsellor)
    client_row = client_services.register_client(actor, client_services.ClientData(
        given_name="Kamran", family_name="Akmal", sex="male", nationality="PK",
        migration_status="intending", birth_year=1990, consent_services=True,
    ), confirmed_new=True)
    tomorrow = datetime.now(KARACHI).date() + timedelta(days=1)
    counselling_services.log_session(actor, client_row, counselling_services.SessionData(
        held_at=datetime.now(UTC) - timedelta(minutes=30), counsellor_id=staff.lhr_counsellor.id,
        channel="messaging", duration_minutes=15, topics=["fraudulent_recruitment"],
        follow_up_on=tomorrow))
    names = usernames(staff)

    log_in(page, names["lhr_counsellor"])
    follow_ups = page.get_by_role("heading", name="Follow-ups due today and overdue")
    expect(follow_ups).to_be_visible()
    expect(page.get_by_text("No follow-ups are due.")).to_be_visible()

    # The next day the follow-up is due; the day after, it is overdue.
    now = datetime.now(UTC)
    monkeypatch.setattr(centre_services, "utcnow", lambda: now + timedelta(days=1))
    page.reload()
    row = page.locator("table.data tr", has_text="Kamran Akmal").first
    expect(row).to_be_visible()
    expect(row).not_to_contain_text("overdue")
    monkeypatch.setattr(centre_services, "utcnow", lambda: now + timedelta(days=2))
    page.reload()
    row = page.locator("table.data tr.overdue", has_text="Kamran Akmal")
    expect(row).to_be_visible()
    expect(row).to_contain_text("overdue")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "home-overdue.png", full_page=True)
    watch.assert_clean()
