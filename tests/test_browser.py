"""End-to-end tests in a real headless Chromium (Debian's ``chromium``) through Playwright.

The app is served by a Werkzeug server in a thread; the ``app`` fixture empties the database and
seeds the centres before each test, and the server (same app object, same database) sees that.

Run: ``.venv/bin/python -m pytest tests/test_browser.py -q``. Without Chromium the tests are
skipped, unless ``MRC_REQUIRE_BROWSER=1`` (as in CI), when they fail instead. Screenshots land
in ``test-artifacts/`` (git-ignored) for people to look at.
"""

import os
import re
import shutil
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from werkzeug.serving import WSGIRequestHandler, make_server

from flask_babel import force_locale, gettext

from mrc.actor import Actor
from mrc.clients import services as client_services
from mrc.clients.models import Client
from mrc.extensions import db
from mrc.i18n import isolate
from tests.conftest import TEST_PASSWORD

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    if os.environ.get("MRC_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("Playwright not installed", allow_module_level=True)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
TIMEOUT_MS = 10_000

# Debian's Chromium, offline: no sandbox (root), and none of its background network traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

expect.set_options(timeout=TIMEOUT_MS)

# The person registered in the end-to-end test.
PERSON = {
    "given_name": "Muhammad",
    "family_name": "Usman",
    "given_name_native": "محمد",
    "family_name_native": "عثمان",
    "sex": "Male",
    "birth_year": "1994",
    "phone": "0300 1234567",
    "national_id": "35202-1234567-1",
    "migration_status": "Intending migrant",
}
CONSENT_SERVICES = "Recording their data to receive the centre's services"
SEARCH_LABEL = "Name, reference, phone or ID number"
REGISTER_TITLE = "Register a client"

# Reports Content-Security-Policy violations of every document to Python (exposed bindings
# and init scripts are not subject to the page's CSP).
_CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__mrcReportCsp(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} on ${event.documentURI}`
  );
});
"""


# --- server and browser ------------------------------------------------------------------------

class QuietRequestHandler(WSGIRequestHandler):
    """No access log line per request (errors are still logged)."""

    def log_request(self, code="-", size="-"):
        pass


def with_bodies_read_before_sending(app):
    """The app, with each response read whole and closed before the server writes any of it.

    Werkzeug's server closes a response after sending it, but not when reading the dropped
    connection's leftovers raises first (Chromium drops font downloads it no longer needs when
    a test navigates away): the static file stayed open and its ResourceWarning failed a test
    at random. Test pages and assets are small, so reading them whole costs nothing.
    """

    def read_whole(environ, start_response):
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            if hasattr(response, "close"):
                response.close()

    return read_whole


@pytest.fixture(scope="module")
def live_server(migrated_app):
    """The app over HTTP on a free port of 127.0.0.1, for the whole module."""
    server = make_server(
        "127.0.0.1",
        0,
        with_bodies_read_before_sending(migrated_app),
        threaded=True,
        request_handler=QuietRequestHandler,
    )
    thread = threading.Thread(target=server.serve_forever, name="mrc-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("MRC_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium not installed, and MRC_REQUIRE_BROWSER=1 requires it")
        pytest.skip("Chromium not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


class PageWatch:
    """What a page did: console errors, uncaught errors, CSP violations and every URL asked for."""

    def __init__(self):
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.csp_violations: list[str] = []  # securitypolicyviolation events
        self.csp_console: list[str] = []  # Chromium's own console report of them
        self.urls: list[str] = []

    def attach(self, context, page: Page) -> None:
        context.expose_binding(
            "__mrcReportCsp", lambda _source, text: self.csp_violations.append(text)
        )
        context.add_init_script(_CSP_REPORTER)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("framenavigated", lambda frame: self.urls.append(frame.url))

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)
        if "Content Security Policy" in message.text:
            self.csp_console.append(message.text)

    def clear(self) -> None:
        self.console_errors.clear()
        self.page_errors.clear()
        self.csp_violations.clear()
        self.csp_console.clear()

    def assert_clean(self) -> None:
        assert self.csp_violations == [], "Content-Security-Policy violations"
        assert self.csp_console == [], "Content-Security-Policy violations (console)"
        assert self.page_errors == [], "uncaught JavaScript errors"
        assert self.console_errors == [], "errors in the browser console"


@pytest.fixture
def watch() -> PageWatch:
    return PageWatch()


@pytest.fixture
def page(browser, live_server, app, watch):
    """A fresh context and page per test, in English, on the server's address."""
    context = browser.new_context(
        base_url=live_server,
        locale="en-GB",
        timezone_id="Asia/Karachi",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    watch.attach(context, page)
    try:
        yield page
    finally:
        context.close()


# --- helpers -------------------------------------------------------------------------------------

def usernames(staff) -> dict[str, str]:
    """Read what the tests need from the staff objects, then end the test's read transaction."""
    names = {"lhr_counsellor": staff.lhr_counsellor.username}
    db.session.commit()
    return names


def client_count() -> int:
    db.session.commit()  # a new transaction sees what the server's requests committed
    db.session.expire_all()
    count = db.session.scalar(select(func.count()).select_from(Client))
    db.session.commit()
    return count


def submit(page: Page, button) -> None:
    """Click a button that posts a form and wait for the page it leads to."""
    with page.expect_navigation(wait_until="load"):
        button.click()


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("User name", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    submit(page, page.get_by_role("button", name="Log in", exact=True))
    # Whatever the user's language, a logged-in page has the log-out form.
    expect(page.locator("form[action='/logout'] button")).to_be_visible()


def open_clients(page: Page) -> None:
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Clients", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Clients", exact=True)).to_be_visible()


def translated(app, locale: str, text: str, **variables) -> str:
    """``text`` as the interface shows it in ``locale``."""
    with app.test_request_context(), force_locale(locale):
        return gettext(text, **variables)


def search(page: Page, term: str, say=lambda text: text) -> None:
    page.get_by_label(say(SEARCH_LABEL), exact=True).fill(term)
    submit(page, page.get_by_role("search").get_by_role("button", name=say("Search"), exact=True))


def found_heading(page: Page):
    return page.get_by_role("heading", level=2, name=re.compile(r"\b(person|people) found$"))


def start_registration(page: Page, say=lambda text: text) -> None:
    submit(page, page.get_by_role("button", name=say("Register a new person"), exact=True))
    expect(page.get_by_role("heading", level=1, name=say(REGISTER_TITLE), exact=True)).to_be_visible()


def fill_registration(page: Page, person: dict) -> None:
    page.get_by_label(CONSENT_SERVICES, exact=True).check()
    page.get_by_label("Given name (Latin letters)", exact=True).fill(person["given_name"])
    page.get_by_label("Family name (Latin letters)", exact=True).fill(person["family_name"])
    page.get_by_label("Given name in own script", exact=True).fill(person["given_name_native"])
    page.get_by_label("Family name in own script", exact=True).fill(person["family_name_native"])
    page.get_by_label("Sex", exact=True).select_option(label=person["sex"])
    page.get_by_label("Year of birth", exact=True).fill(person["birth_year"])
    page.get_by_label("Phone", exact=True).fill(person["phone"])
    page.get_by_label("National ID number", exact=True).fill(person["national_id"])
    status = page.get_by_label("Migration status", exact=True)
    status.select_option(label=person["migration_status"])


def karachi_year() -> int:
    return datetime.now(ZoneInfo("Asia/Karachi")).year


def assert_terms_not_in_urls(watch: PageWatch, page: Page, terms) -> None:
    seen = [*watch.urls, page.url]
    for url in seen:
        lowered = url.lower()
        for term in terms:
            assert term.lower() not in lowered, f"search term {term!r} leaked into {url}"


# --- tests ---------------------------------------------------------------------------------------

def test_search_register_find_and_duplicate_warning(page, watch, staff):
    names = usernames(staff)
    log_in(page, names["lhr_counsellor"])
    open_clients(page)

    # Nobody yet: search, then register from beside the (empty) results.
    search(page, "Usman")
    expect(found_heading(page)).to_have_text("0 people found")
    start_registration(page)
    fill_registration(page, PERSON)
    submit(page, page.get_by_role("button", name="Register", exact=True))

    reference = f"LHR-{karachi_year()}-000001"
    expect(page).to_have_url(re.compile(r"/clients/\d+$"))
    client_url = page.url
    expect(page.locator("p.lead")).to_contain_text(reference)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Muhammad Usman")
    expect(page.get_by_role("heading", level=1)).to_contain_text("محمد عثمان")
    expect(page.get_by_role("status")).to_contain_text(f"registered as {isolate(reference)}")
    assert client_count() == 1

    # Found again by word prefixes in another case, and by the phone in international format.
    open_clients(page)
    search(page, "muhammad usm")
    expect(found_heading(page)).to_have_text("1 person found")
    row = page.locator("table.results tbody tr")
    expect(row).to_have_count(1)
    expect(row.get_by_role("link", name=reference, exact=True)).to_be_visible()
    expect(row).to_contain_text("محمد عثمان")
    # Why it matched: the last column, under its own header.
    expect(page.locator("table.results thead th").last).to_have_text("Why it matched")
    expect(row.locator("td").last).to_have_text("name as typed")

    search(page, "+92 300 1234567")
    expect(found_heading(page)).to_have_text("1 person found")
    results = page.locator("table.results")
    expect(results.get_by_role("link", name=reference, exact=True)).to_be_visible()
    expect(results.locator("tbody tr td").last).to_have_text("same phone number")

    # A second registration of the same person is stopped with the existing record beside it.
    search(page, "Muhammad Usman")
    expect(found_heading(page)).to_have_text("1 person found")
    start_registration(page)
    expect(page.get_by_label("Given name (Latin letters)", exact=True)).to_have_value("Muhammad")
    expect(page.get_by_label("Family name (Latin letters)", exact=True)).to_have_value("Usman")
    fill_registration(page, PERSON)
    submit(page, page.get_by_role("button", name="Register", exact=True))

    warning = page.get_by_role("alert").filter(
        has=page.get_by_role("heading", name="This person may be registered already")
    )
    expect(warning).to_be_visible()
    expect(warning.locator("tbody tr")).to_have_count(1)
    expect(warning.locator("tbody tr")).to_contain_text("same phone number")
    expect(warning.locator("tbody tr")).to_contain_text("same national ID")
    confirm = page.get_by_role("button", name="This is a new person: register", exact=True)
    expect(confirm).to_be_visible()
    # What was typed is still there, should the counsellor confirm it is a new person.
    expect(page.get_by_label("National ID number", exact=True)).to_have_value(PERSON["national_id"])
    assert client_count() == 1

    warning.get_by_role("link", name=reference, exact=True).click()
    expect(page).to_have_url(client_url)
    expect(page.locator("p.lead")).to_contain_text(reference)
    assert client_count() == 1

    # Search terms travel in POST bodies only: never in an address (history, logs, referrers).
    assert_terms_not_in_urls(watch, page, ["usman", "usm", "muhammad", "1234567", "%2B92"])
    watch.assert_clean()


def test_invalid_registration_keeps_input_and_shows_errors_beside_fields(page, watch, staff):
    names = usernames(staff)
    log_in(page, names["lhr_counsellor"])
    open_clients(page)
    search(page, "Muhammad Usman")
    start_registration(page)
    fill_registration(page, {**PERSON, "birth_year": "2090", "national_id": "123"})
    submit(page, page.get_by_role("button", name="Register", exact=True))

    expect(page.get_by_role("heading", level=1, name=REGISTER_TITLE, exact=True)).to_be_visible()
    year = page.get_by_label("Year of birth", exact=True)
    national_id = page.get_by_label("National ID number", exact=True)

    year_error = page.locator("#birth_year-error")
    expect(year_error).to_be_visible()
    expect(year_error).to_contain_text("cannot be in the future")
    id_error = page.locator("#national_id-error")
    expect(id_error).to_be_visible()
    expect(id_error).to_contain_text("13 digits")

    # Beside the field: in the same field block, tied to the input for screen readers.
    for field_id, field_input, error_text in (
        ("birth_year", year, "cannot be in the future"),
        ("national_id", national_id, "13 digits"),
    ):
        block = page.locator("div.field.has-error").filter(has=page.locator(f"#{field_id}"))
        expect(block.locator(f"#{field_id}-error")).to_be_visible()
        expect(field_input).to_have_attribute("aria-invalid", "true")
        expect(field_input).to_have_accessible_description(re.compile(error_text))
        # Marked in red like a select in error (the text inputs' own rule used to win).
        expect(field_input).to_have_css("border-top-width", "2px")
        expect(field_input).to_have_css("border-top-color", "rgb(180, 35, 24)")

    # Everything typed is still there.
    expect(year).to_have_value("2090")
    expect(national_id).to_have_value("123")
    expect(page.get_by_label("Given name (Latin letters)", exact=True)).to_have_value("Muhammad")
    expect(page.get_by_label("Family name in own script", exact=True)).to_have_value("عثمان")
    expect(page.get_by_label("Phone", exact=True)).to_have_value("0300 1234567")
    expect(page.get_by_label("Sex", exact=True)).to_have_value("male")
    expect(page.get_by_label(CONSENT_SERVICES, exact=True)).to_be_checked()
    # Only the two fields are in error.
    expect(page.locator("p.error")).to_have_count(2)

    assert client_count() == 0
    watch.assert_clean()


def _seed_clients(staff) -> None:
    """Two clients for the list, one of them with a name in Urdu script."""
    actor = Actor(user=staff.lhr_counsellor, remote_addr="127.0.0.1")
    common = dict(sex="male", nationality="PK", migration_status="intending", consent_services=True)
    client_services.register_client(actor, client_services.ClientData(
        given_name="Muhammad", family_name="Usman", given_name_native="محمد",
        family_name_native="عثمان", birth_year=1994, phone="+923001234567",
        national_id="35202-1234567-1", district="Lahore", **common,
    ), confirmed_new=True)
    client_services.register_client(actor, client_services.ClientData(
        given_name="Ayesha", family_name="Bibi", given_name_native="عائشہ",
        family_name_native="بی بی", birth_year=2001, **{**common, "sex": "female"},
    ), confirmed_new=True)
    db.session.commit()


def test_right_to_left_after_switching_to_urdu(page, watch, staff, app):
    _seed_clients(staff)
    names = usernames(staff)
    log_in(page, names["lhr_counsellor"])
    open_clients(page)
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "ltr")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "clients-ltr.png", full_page=True)  # to compare with

    page.get_by_label("Language", exact=True).select_option(label="اردو")
    switcher = page.locator("form.language-switcher")
    submit(page, switcher.get_by_role("button", name="Change", exact=True))

    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ur")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ur"
    expect(page).to_have_url(re.compile(r"/clients/"))
    expect(page.locator("table.data tbody tr")).to_have_count(2)

    # The layout mirrors: the brand is now at the right of the header, the tools at the left;
    # the reference column (first in source order) is the rightmost.
    brand = page.locator(".site-header .brand").bounding_box()
    tools = page.locator(".site-header .header-tools").bounding_box()
    assert brand["x"] > tools["x"] + tools["width"] - 1, (brand, tools)
    first_header = page.locator("table.data thead th").first.bounding_box()
    last_header = page.locator("table.data thead th").last.bounding_box()
    assert first_header["x"] > last_header["x"], (first_header, last_header)

    page.screenshot(path=ARTIFACTS / "clients-rtl.png", full_page=True)
    page.locator(".site-header").screenshot(path=ARTIFACTS / "header-rtl.png")

    # The choice sticks: the next page is right-to-left too (here, the registration form).
    def urdu(text):
        return translated(app, "ur", text)

    search(page, "Muhammad", urdu)
    start_registration(page, urdu)
    expect(html).to_have_attribute("dir", "rtl")
    page.screenshot(path=ARTIFACTS / "register-form-rtl.png", full_page=True)
    watch.assert_clean()


def test_content_security_policy_allows_every_page(page, watch, staff):
    names = usernames(staff)

    # First prove the watch sees a violation: an image from elsewhere breaks img-src 'self'.
    page.goto("/login")
    page.evaluate(
        "() => { const img = document.createElement('img');"
        " img.src = 'https://example.invalid/x.png'; document.body.append(img); }"
    )
    for _ in range(50):  # the reports arrive asynchronously
        if watch.csp_violations and watch.csp_console:
            break
        page.wait_for_timeout(100)
    assert watch.csp_violations, "the CSP event listener did not notice a deliberate violation"
    assert watch.csp_console, "the console did not report a deliberate CSP violation"
    page.wait_for_timeout(100)
    watch.clear()

    response = page.goto("/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    log_in(page, names["lhr_counsellor"])
    for path in ("/", "/clients/", "/account/password"):
        response = page.goto(path)
        assert response.status == 200, path
        # The stylesheet applied (an inline or blocked one would leave the header unstyled).
        header_background = page.evaluate(
            "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
        )
        assert header_background != "rgba(0, 0, 0, 0)", path
    open_clients(page)
    search(page, "Muhammad Usman")
    start_registration(page)
    page.wait_for_timeout(200)  # violations are reported asynchronously
    watch.assert_clean()


# --- in the counsellor's own language ------------------------------------------------------------

def test_urdu_speaking_counsellor_registers_a_client_and_reads_urdu(page, watch, staff, app):
    staff.lhr_counsellor.preferred_locale = "ur"
    names = usernames(staff)

    def urdu(text, **variables):
        return translated(app, "ur", text, **variables)

    log_in(page, names["lhr_counsellor"])  # the login page follows the browser: English
    expect(page.locator("html")).to_have_attribute("lang", "ur")
    page.get_by_role("navigation", name=urdu("Main")).get_by_role(
        "link", name=urdu("Clients"), exact=True).click()
    search(page, "Nasreen Akhtar", urdu)
    start_registration(page, urdu)
    page.get_by_label(urdu(CONSENT_SERVICES), exact=True).check()
    expect(page.get_by_label(urdu("Given name (Latin letters)"), exact=True)).to_have_value("Nasreen")
    page.get_by_label(urdu("Given name in own script"), exact=True).fill("نسرین")
    page.get_by_label(urdu("Family name in own script"), exact=True).fill("اختر")
    page.get_by_label(urdu("Sex"), exact=True).select_option(label=urdu("Female"))
    # Digits typed on an Urdu keyboard.
    page.get_by_label(urdu("Year of birth"), exact=True).fill("۱۹۹۸")
    page.get_by_label(urdu("Phone"), exact=True).fill("۰۳۲۱ ۷۶۵۴۳۲۱")
    page.get_by_label(urdu("Migration status"), exact=True).select_option(
        label=urdu("Intending migrant"))
    submit(page, page.get_by_role("button", name=urdu("Register"), exact=True))

    reference = f"LHR-{karachi_year()}-000001"
    success = urdu("%(name)s registered as %(reference)s.", name=isolate("Nasreen Akhtar"),
                   reference=isolate(reference))
    assert success != "Nasreen Akhtar registered as " + reference + "."
    expect(page.locator(".flash-success")).to_have_text(success)
    expect(page.locator(".native-name")).to_have_text("نسرین اختر")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "client-page-ur.png", full_page=True)
    watch.assert_clean()


AXE_PATHS = [
    Path(os.environ.get("MRC_AXE_PATH", "/nonexistent")),
    Path(__file__).resolve().parent.parent / ".venv" / "npm" / "node_modules" / "axe-core"
    / "axe.min.js",
]


def _axe_script() -> Path:
    for path in AXE_PATHS:
        if path.is_file():
            return path
    if os.environ.get("MRC_REQUIRE_BROWSER") == "1":
        pytest.fail("axe-core not installed (make test installs it with npm)")
    pytest.skip("axe-core not installed")


def serious_accessibility_violations(page: Page, axe: Path) -> list[str]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the page as it is now."""
    page.add_script_tag(path=str(axe))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes)"
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def page_without_csp(browser, live_server, app):
    """A page that may inject axe-core: our CSP forbids inline scripts, rightly."""
    context = browser.new_context(base_url=live_server, locale="en-GB", bypass_csp=True,
                                  timezone_id="Asia/Karachi", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["en", "ur", "bn", "ckb"])
def test_main_pages_have_no_serious_accessibility_violations(page_without_csp, staff, app, locale):
    page = page_without_csp
    axe = _axe_script()
    _seed_clients(staff)
    staff.lhr_counsellor.preferred_locale = locale
    names = usernames(staff)
    client_id = client_services.list_clients(Actor(staff.lhr_counsellor), page=1,
                                             per_page=1).items[0].id
    db.session.commit()
    page.goto("/login")
    pages = {"login": "/login"}
    log_in(page, names["lhr_counsellor"])
    pages |= {"home": "/", "clients": "/clients/", "client": f"/clients/{client_id}",
              "edit": f"/clients/{client_id}/edit", "password": "/account/password"}
    problems = {}
    for name, path in pages.items():
        page.goto(path)
        serious = serious_accessibility_violations(page, axe)
        if serious:
            problems[name] = serious
        if name == "client":
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=ARTIFACTS / f"client-page-{locale}.png", full_page=True)
    assert problems == {}
