"""Referrals end to end in headless Chromium: refer, follow the status, see it on the timeline;
the refusal, beside the field, when the person has not agreed to sharing with partners; and
axe accessibility checks of the referral and partner pages.

Run: ``.venv/bin/python -m pytest tests/test_browser_referrals.py -q`` (see tests/test_browser.py).
"""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from mrc.actor import Actor
from mrc.clients import services as client_services
from mrc.clients.models import Client
from mrc.extensions import db
from mrc.partners.models import Partner
from mrc.partners.services import seed_partners
from mrc.referrals.models import Referral
from mrc.referrals.services import ReferralData, make_referral
from mrc.referrals.services import change_status as move_referral
from tests.test_browser import (  # noqa: F401  (fixtures)
    ARTIFACTS,
    _axe_script,
    browser,
    expect,
    live_server,
    log_in,
    page,
    page_without_csp,
    serious_accessibility_violations,
    submit,
    usernames,
    watch,
)

pytestmark = pytest.mark.browser

PARTNER = "Protectorate of Emigrants, Lahore"
SERVICE = "Emigration registration and clearance"


def _client(staff, *, sharing: bool, given: str, family: str) -> int:
    seed_partners()
    client = client_services.register_client(
        Actor(staff.lhr_counsellor, remote_addr="127.0.0.1"),
        client_services.ClientData(
            given_name=given, family_name=family, sex="male", nationality="PK",
            migration_status="intending", birth_year=1994, consent_services=True,
            consent_referral_sharing=sharing,
        ),
        confirmed_new=True,
    )
    client_id = client.id
    db.session.commit()
    return client_id


def referral_count() -> int:
    db.session.commit()  # a new transaction sees what the server's requests committed
    count = db.session.scalar(select(func.count()).select_from(Referral))
    db.session.commit()
    return count


def fill_referral(page, reason: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text("Refer ")
    page.get_by_label("Partner", exact=True).select_option(label=PARTNER)
    page.get_by_label("Service", exact=True).select_option(label=SERVICE)
    page.get_by_label("Reason for the referral", exact=True).fill(reason)
    submit(page, page.get_by_role("button", name="Make the referral", exact=True))


def change_status(page, status: str, note: str = "", outcome: str = "") -> None:
    page.get_by_label("New status", exact=True).select_option(label=status)
    if note:
        page.get_by_label("Note", exact=True).fill(note)
    if outcome:
        page.get_by_label("Outcome", exact=True).fill(outcome)
    submit(page, page.get_by_role("button", name="Save the status", exact=True))


def test_counsellor_refers_a_client_and_follows_the_referral_to_completion(page, watch, staff):
    client_id = _client(staff, sharing=True, given="Muhammad", family="Usman")
    names = usernames(staff)
    log_in(page, names["lhr_counsellor"])
    page.goto(f"/clients/{client_id}")
    page.locator(".page-head").get_by_role("link", name="Refer", exact=True).click()
    # Once the partner is chosen, only its services can be picked.
    page.get_by_label("Partner", exact=True).select_option(label=PARTNER)
    services = page.get_by_label("Service", exact=True)
    expect(services.get_by_role("option", name="Psychosocial support")).to_be_disabled()
    expect(services.get_by_role("option", name=SERVICE)).to_be_enabled()
    fill_referral(page, "Wants to register for work in Saudi Arabia.")

    expect(page).to_have_url(re.compile(r"/referrals/\d+$"))
    referral_url = page.url
    # The partner's name sits in Unicode isolates inside the translated sentence.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(f"^Referral to \u2068?{re.escape(PARTNER)}\u2069?$"))
    expect(page.locator(".flash-success")).to_contain_text("Referral to")
    details = page.locator("dl.referral-details")
    expect(details).to_contain_text(SERVICE)
    expect(details).to_contain_text("Made")
    assert referral_count() == 1

    # Completing straight away is not offered: only the next steps are.
    status = page.get_by_label("New status", exact=True)
    expect(status.locator("option")).to_have_text(
        ["Accepted by the partner", "Declined by the partner", "Did not attend",
         "Lost to follow-up", "Withdrawn"])

    change_status(page, "Accepted by the partner", note="Appointment on Monday at 10.")
    expect(page.locator(".flash-success")).to_contain_text("Accepted by the partner")
    expect(details).to_contain_text("Accepted by the partner")
    expect(page.locator("ol.referral-history")).to_contain_text("Appointment on Monday at 10.")

    # Completing needs an outcome, shown beside its field.
    change_status(page, "Completed")
    expect(page.locator("#outcome-error")).to_contain_text("Describe the outcome")
    change_status(page, "Completed", outcome="Registered; protector stamp in the passport.")
    expect(page).to_have_url(referral_url)
    expect(details).to_contain_text("Completed")
    expect(details).to_contain_text("Registered; protector stamp in the passport.")
    expect(page.get_by_text("This referral is closed")).to_be_visible()
    expect(page.get_by_label("New status", exact=True)).to_have_count(0)
    history = page.locator("ol.referral-history li")
    expect(history).to_have_count(3)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "referral-completed.png", full_page=True)

    # The client's page shows the referral and its changes in the timeline, linked.
    page.get_by_role("link", name="Client's page", exact=True).click()
    timeline = page.locator("ol.timeline")
    expect(timeline.locator("li.timeline-referral")).to_have_count(3)
    made = timeline.get_by_role("link", name=re.compile(f"Referred to .*{re.escape(PARTNER)}"))
    expect(made).to_be_visible()
    expect(timeline).to_contain_text("Completed")
    made.click()
    expect(page).to_have_url(referral_url)
    watch.assert_clean()


def test_referral_without_sharing_consent_is_refused_beside_the_field(page, watch, staff):
    client_id = _client(staff, sharing=False, given="Imran", family="Khan")
    names = usernames(staff)
    log_in(page, names["lhr_counsellor"])
    page.goto(f"/clients/{client_id}")
    page.locator(".page-head").get_by_role("link", name="Refer", exact=True).click()
    expect(page.get_by_role("note")).to_contain_text("has not agreed")
    # A counsellor is not offered the override.
    expect(page.get_by_label("Refer without the person's consent to sharing")).to_have_count(0)
    fill_referral(page, "Needs the protector stamp.")

    partner = page.get_by_label("Partner", exact=True)
    error = page.locator("#partner_id-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(
        "The person has not agreed to their data being shared with partners")
    block = page.locator("div.field.has-error").filter(has=page.locator("#partner_id"))
    expect(block.locator("#partner_id-error")).to_be_visible()
    expect(partner).to_have_attribute("aria-invalid", "true")
    expect(partner).to_have_accessible_description(re.compile("has not agreed"))
    # What was typed is still there.
    expect(page.get_by_label("Reason for the referral", exact=True)).to_have_value(
        "Needs the protector stamp.")
    expect(page.get_by_label("Service", exact=True)).to_have_value("emigration_registration")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "referral-refused-without-consent.png", full_page=True)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partners",
                                                            exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Partner directory")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "partner-directory.png", full_page=True)
    assert referral_count() == 0
    watch.assert_clean()


@pytest.mark.parametrize("locale", ["en", "ur"])
def test_referral_and_partner_pages_have_no_serious_accessibility_violations(
        page_without_csp, staff, locale):
    page = page_without_csp
    axe = _axe_script()
    unwilling = _client(staff, sharing=False, given="Imran", family="Khan")
    willing = _client(staff, sharing=True, given="Muhammad", family="Usman")
    partner = db.session.scalar(select(Partner).where(Partner.name == PARTNER))
    referral = make_referral(Actor(staff.lhr_counsellor), db.session.get(Client, willing),
                             ReferralData(partner_id=partner.id, service="emigration_registration",
                                          reason="Protector stamp.", urgency="urgent",
                                          follow_up_due=date.today() + timedelta(days=7)))
    move_referral(Actor(staff.lhr_counsellor), referral, "accepted", note="Called them.")
    paths = {
        "new referral": f"/clients/{unwilling}/referrals/new",
        "referral": f"/referrals/{referral.id}",
        "referrals": "/referrals/?show=all",
        "partners": "/partners/",
        "partner": f"/partners/{partner.id}",
        "new partner": "/partners/new",
        "edit partner": f"/partners/{partner.id}/edit",
    }
    staff.lhr_manager.preferred_locale = locale
    manager = staff.lhr_manager.username
    db.session.commit()
    log_in(page, manager)
    problems = {}
    for name, path in paths.items():
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", locale)
        problems[name] = serious_accessibility_violations(page, axe)
        if name in ("referral", "new partner"):
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=ARTIFACTS / f"{name.replace(' ', '-')}-{locale}.png",
                            full_page=True)
    page.goto(paths["new referral"])
    submit(page, page.locator("form.referral-form button[type=submit]"))
    expect(page.locator("p.error").first).to_be_visible()  # errors beside the fields
    problems["new referral with errors"] = serious_accessibility_violations(page, axe)
    assert referral_count() == 1  # the refused form saved nothing
    assert {name: found for name, found in problems.items() if found} == {}

