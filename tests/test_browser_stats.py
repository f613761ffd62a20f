"""Monthly statistics in headless Chromium: a manager picks a month, reads the tables and
downloads the CSV, with no CSP violation or script error; axe checks the page.

Run: ``.venv/bin/python -m pytest tests/test_browser_stats.py -q`` (see tests/test_browser.py).
"""

import pytest

from mrc.extensions import db
from tests.test_browser import (  # noqa: F401  (fixtures)
    _axe_script,
    browser,
    expect,
    live_server,
    log_in,
    page,
    page_without_csp,
    serious_accessibility_violations,
    submit,
    watch,
)
from tests.test_stats import data  # noqa: F401  (fixture: the hand-built data set)

pytestmark = pytest.mark.browser


def test_manager_reads_a_month_and_downloads_the_csv(page, watch, data):
    manager = data.lhr_manager.username
    db.session.commit()
    log_in(page, manager)
    page.get_by_role("link", name="Statistics", exact=True).click()
    expect(page.get_by_role("heading", name="Monthly statistics")).to_be_visible()
    page.get_by_label("From", exact=True).fill("2026-03")
    submit(page, page.get_by_role("button", name="Show", exact=True))
    sessions = page.locator("section#sessions")
    total = sessions.get_by_role("row").filter(has_text="Total")
    expect(total).to_contain_text("5")
    expect(page.locator(".stats-scope")).to_contain_text("March 2026")
    # The charts' tables for screen readers are hidden without widening the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate(
        "document.documentElement.clientWidth")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == "statistics-LHR-2026-03.csv"
    with open(download.path(), "rb") as downloaded:
        assert downloaded.read(3) == "\ufeff".encode()
    watch.assert_clean()


def test_statistics_page_has_no_serious_accessibility_violations(page_without_csp, data):
    page = page_without_csp
    axe = _axe_script()
    manager = data.lhr_manager.username
    db.session.commit()
    log_in(page, manager)
    page.goto("/stats/?month=2026-03")
    assert serious_accessibility_violations(page, axe) == []
