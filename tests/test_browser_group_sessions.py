"""A pre-departure orientation in a real Chromium: twenty registered people added by keyboard
through the type-ahead, five counted without registering, and the attendance sheet."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from mrc.actor import Actor
from mrc.clients import services as client_services
from mrc.extensions import db
from mrc.group_sessions.models import GroupSessionAttendee
from tests.test_browser import (  # noqa: F401  (fixtures)
    ARTIFACTS,
    _axe_script,
    serious_accessibility_violations,
    assert_terms_not_in_urls,
    browser,
    expect,
    live_server,
    log_in,
    page,
    page_without_csp,
    submit,
    usernames,
    watch,
)

pytestmark = pytest.mark.browser

KARACHI = ZoneInfo("Asia/Karachi")

# Twenty people whose first four letters find exactly one of them.
MEN = ["Bilal", "Danish", "Faisal", "Hamza", "Imran", "Junaid", "Kamran", "Luqman", "Nadeem",
       "Omar"]
WOMEN = ["Ayesha", "Bushra", "Farah", "Hina", "Iqra", "Javeria", "Kiran", "Lubna", "Nargis",
         "Sadia"]


def _seed_twenty(staff) -> list[str]:
    actor = Actor(user=staff.lhr_counsellor, remote_addr="127.0.0.1")
    names = []
    for given, family, sex in ([(name, "Khan", "male") for name in MEN]
                               + [(name, "Bibi", "female") for name in WOMEN]):
        client_services.register_client(actor, client_services.ClientData(
            given_name=given, family_name=family, sex=sex, nationality="PK",
            migration_status="intending", birth_year=1996, consent_services=True,
        ), confirmed_new=True)
        names.append(f"{given} {family}")
    db.session.commit()
    return names


def _attendee_count() -> int:
    db.session.commit()
    count = db.session.scalar(select(func.count()).select_from(GroupSessionAttendee))
    db.session.commit()
    return count


def test_pdo_for_25_people_added_by_keyboard_with_a_printable_sheet(page, watch, staff):
    people = _seed_twenty(staff)
    names = usernames(staff)
    today = datetime.now(KARACHI).date()

    log_in(page, names["lhr_counsellor"])
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Group sessions", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Group sessions", exact=True)).to_be_visible()
    page.get_by_role("link", name="New group session", exact=True).click()

    page.get_by_label("Kind of session", exact=True).select_option(
        label="Pre-departure orientation")
    page.get_by_label("Date", exact=True).fill(today.isoformat())
    page.get_by_label("Start time", exact=True).fill("10:00")
    page.get_by_label("Venue", exact=True).fill("Protectorate of Emigrants, Lahore")
    page.get_by_label("Type of venue", exact=True).select_option(
        label="Protectorate of Emigrants office")
    page.get_by_label("Facilitators", exact=True).fill("Sana Tariq")
    page.get_by_label("Rights and contracts", exact=True).check()
    # A PDO without its destination is refused beside the field.
    submit(page, page.get_by_role("button", name="Save", exact=True))
    expect(page.locator("#destination_country-error")).to_contain_text("destination country")
    page.get_by_label("Destination country", exact=True).select_option(label="Saudi Arabia")
    submit(page, page.get_by_role("button", name="Save", exact=True))

    expect(page).to_have_url(re.compile(r"/group-sessions/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pre-departure orientation")
    expect(page.locator(".details")).to_contain_text("Saudi Arabia")

    # Twenty registered people, by keyboard only: type, ArrowDown, Enter.
    combobox = page.get_by_role("combobox", name="Find a registered person")
    listbox = page.get_by_role("listbox", name="Matching people", include_hidden=True)
    expect(combobox).to_have_attribute("aria-controls", "attendee-options")
    expect(combobox).to_have_attribute("aria-expanded", "false")
    combobox.focus()
    typed = []
    for number, full_name in enumerate(people, start=1):
        expect(combobox).to_be_focused()
        prefix = full_name[:4].lower()
        typed.append(prefix)
        page.keyboard.type(prefix)
        option = listbox.get_by_role("option", name=re.compile(re.escape(full_name)))
        expect(option).to_be_visible()
        expect(listbox.get_by_role("option")).to_have_count(1)
        expect(combobox).to_have_attribute("aria-expanded", "true")
        page.keyboard.press("ArrowDown")
        expect(option).to_have_attribute("aria-selected", "true")
        expect(combobox).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
        with page.expect_navigation(wait_until="load"):
            page.keyboard.press("Enter")
        expect(page.locator(".flash-success")).to_contain_text(
            f"\u2068{full_name}\u2069 added to the attendance")  # the name isolated (bidi)
        expect(page.locator("#attendees-title")).to_have_text(
            "1 registered attendee" if number == 1 else f"{number} registered attendees")
    assert _attendee_count() == 20

    # Five more people who did not register: 3 men and 2 women, age not known.
    not_known = page.get_by_role("group", name="Age not known")
    not_known.get_by_label("Male", exact=True).fill("3")
    not_known.get_by_label("Female", exact=True).fill("2")
    submit(page, page.get_by_role("button", name="Save head counts", exact=True))
    expect(page.locator(".flash-success")).to_contain_text("Head counts saved")
    expect(page.locator("#participants-title")).to_have_text("25 participants")
    totals = page.locator("table.totals")
    for sex, figures in (("Male", ["10", "3", "13"]), ("Female", ["10", "2", "12"])):
        row = totals.locator("tbody tr").filter(
            has=page.get_by_role("rowheader", name=sex, exact=True))
        expect(row.locator("td")).to_have_text(figures)
    expect(totals.locator(".participants-total")).to_have_text("25")

    # The attendance sheet: the twenty names and an empty signature column, ready to print.
    page.get_by_role("link", name="Attendance sheet", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Attendance sheet")).to_be_visible()
    sheet = page.locator("table.sheet-table")
    expect(sheet.locator("thead")).to_contain_text("Signature")
    rows = sheet.locator("tbody tr:not(.blank-row)")
    expect(rows).to_have_count(20)
    for full_name in people:
        expect(sheet).to_contain_text(full_name)
    expect(sheet.locator("tbody tr.blank-row")).to_have_count(10)
    expect(sheet.locator("tbody tr td.col-signature").first).to_have_text("")
    expect(page.locator(".main-nav")).to_have_count(0)
    expect(page.locator(".sheet-details")).to_contain_text("Protectorate of Emigrants, Lahore")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "attendance-sheet.png", full_page=True)

    # The Print button calls the browser's print (replaced here to record the call).
    page.evaluate(
        "() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    page.get_by_role("button", name="Print", exact=True).click()
    assert page.evaluate("window.__printed") == 1
    # In print, the tools disappear and the sheet fills the page.
    page.emulate_media(media="print")
    expect(page.locator(".sheet-tools")).to_be_hidden()
    expect(sheet).to_be_visible()
    page.emulate_media(media="screen")

    assert_terms_not_in_urls(watch, page, typed)
    watch.assert_clean()


@pytest.mark.parametrize("locale", ["en", "ur"])
def test_group_session_pages_have_no_serious_accessibility_violations(page_without_csp, staff,
                                                                     locale):
    from datetime import time

    from mrc.centres.services import centre_today
    from mrc.group_sessions import services as group_services

    axe = _axe_script()
    lahore = staff.lhr_counsellor.centre
    actor = Actor(staff.lhr_counsellor)
    row = group_services.create_group_session(actor, group_services.GroupSessionData(
        kind="pdo", starts_at=group_services.local_start(lahore, centre_today(lahore), time(10)),
        venue="Protectorate of Emigrants, Lahore", venue_type="protectorate",
        destination_country="SA", topics="rights_contracts remittances"))
    people = _seed_twenty(staff)[:2]
    for client_row in client_services.list_clients(actor, page=1, per_page=2).items:
        group_services.add_attendee(actor, row, client_row)
    group_services.set_head_counts(actor, row, {("male", None): 3, ("female", "18_24"): 2})
    staff.lhr_counsellor.preferred_locale = locale
    session_id = row.id
    names = usernames(staff)

    page = page_without_csp
    log_in(page, names["lhr_counsellor"])
    problems = {}
    for name, path in {"list": "/group-sessions/", "new": "/group-sessions/new",
                       "session": f"/group-sessions/{session_id}",
                       "edit": f"/group-sessions/{session_id}/edit",
                       "sheet": f"/group-sessions/{session_id}/sheet"}.items():
        page.goto(path)
        if name == "session":
            # With the type-ahead open, too.
            page.locator("#term").fill(people[0][:4])
            expect(page.get_by_role("listbox").get_by_role("option")).to_have_count(1)
            page.keyboard.press("ArrowDown")
        serious = serious_accessibility_violations(page, axe)
        if serious:
            problems[name] = serious
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"/group-sessions/{session_id}")
    page.screenshot(path=ARTIFACTS / f"group-session-{locale}.png", full_page=True)
    assert problems == {}


def test_the_time_stays_in_one_piece_under_an_urdu_title(page, watch, staff):
    """In Urdu "9:30 AM" is left-to-right. Not isolated, its "AM" joined the Latin centre name
    across the venue, and the line showed "9:30" and "AM" at opposite ends."""
    from datetime import time

    from mrc.centres.services import centre_today
    from mrc.group_sessions import services as group_services

    lahore = staff.lhr_counsellor.centre
    row = group_services.create_group_session(
        Actor(staff.lhr_counsellor), group_services.GroupSessionData(
            kind="pdo",
            starts_at=group_services.local_start(lahore, centre_today(lahore), time(9, 30)),
            venue="Protectorate of Emigrants, Lahore", venue_type="protectorate",
            destination_country="SA"))
    staff.lhr_counsellor.preferred_locale = "ur"
    session_id = row.id
    names = usernames(staff)

    log_in(page, names["lhr_counsellor"])
    page.goto(f"/group-sessions/{session_id}")
    lead = page.locator("p.lead")
    expect(lead).to_contain_text("9:30 AM")
    # Where the line's first text (the date and time) draws "9:30" and "AM".
    time_box, am_box = lead.evaluate("""lead => ["9:30", "AM"].map(word => {
        const text = lead.firstChild;
        const range = document.createRange();
        range.setStart(text, text.data.indexOf(word));
        range.setEnd(text, text.data.indexOf(word) + word.length);
        const box = range.getBoundingClientRect();
        return {left: box.left, right: box.right, top: box.top};
    })""")
    venue_box = lead.locator("bdi").first.bounding_box()
    # One line; "9:30 AM" reads left to right, one space apart; right to left, the venue
    # comes after the time (to its left).
    assert am_box["top"] == time_box["top"], (time_box, am_box)
    assert 0 <= am_box["left"] - time_box["right"] < 12, (time_box, am_box)
    assert venue_box["x"] + venue_box["width"] <= time_box["left"], (venue_box, time_box)
    watch.assert_clean()


def test_the_list_prints_without_its_new_session_link(page, watch, staff):
    """The print rule hid ``.button`` but not ``.button-primary``: "New group session" came
    out on paper above the printed list."""
    log_in(page, usernames(staff)["lhr_counsellor"])
    page.goto("/group-sessions/")
    new_session = page.get_by_role("link", name="New group session")
    expect(new_session).to_be_visible()
    page.emulate_media(media="print")
    expect(new_session).to_be_hidden()
    expect(page.locator("h1")).to_be_visible()
    page.emulate_media(media="screen")
    watch.assert_clean()
