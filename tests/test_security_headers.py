"""Every kind of response carries the security headers, and every page of a signed-in user
``Cache-Control: no-store``: pages, redirects, 404, 405, 413, 500, static files and the CSRF
error page. CSRF runs ON in the suite: every form (every POST route) refuses a post without a
token with the translated error page."""

import re

import pytest
from flask import request
from flask_babel import force_locale
from flask_babel import gettext as _

from mrc.extensions import db
from tests.conftest import app_for, login

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
                    "X-Frame-Options", "Permissions-Policy")
CSRF_MESSAGE = "This form has expired or was sent from elsewhere. Please try again."


def assert_secure(response, *, cached_ok: bool = False):
    headers = response.headers
    for name in SECURITY_HEADERS:
        assert headers.get(name), f"{name} missing on a {response.status_code} response"
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    if not cached_ok:
        assert headers.get("Cache-Control") == "no-store", response.status_code


@pytest.fixture
def manager(client, staff):
    login(client, staff.lhr_manager)
    return client


@pytest.fixture
def own_app(app, database_url):
    """An app of the test's own (on the same database) where test-only routes may be added
    and exceptions become 500 pages as in production."""
    with app_for(database_url) as fresh_app:
        fresh_app.config["PROPAGATE_EXCEPTIONS"] = False

        @fresh_app.route("/test-only/boom")
        def boom():
            raise RuntimeError("forced failure")

        yield fresh_app


def test_pages_and_redirects(client, staff):
    assert_secure(client.get("/login"))
    assert_secure(client.get("/"))  # 302 to the login page
    login(client, staff.lhr_manager)
    response = client.get("/")
    assert response.status_code == 200
    assert_secure(response)


@pytest.fixture(params=[False, True], ids=["anonymous", "signed_in"])
def visitor(request, client, staff):
    """The test client, anonymous or signed in as a counsellor: the headers are the same."""
    if request.param:
        login(client, staff.lhr_counsellor)
    return client


def test_not_found(visitor):
    response = visitor.get("/no/such/page")
    assert response.status_code == 404
    assert_secure(response)


def test_method_not_allowed(manager):
    response = manager.get("/logout")
    assert response.status_code == 405
    assert_secure(response)


def test_csrf_failure(manager):
    response = manager.post("/clients/", data={"term": "someone"})
    assert response.status_code == 400
    assert CSRF_MESSAGE in response.get_data(as_text=True)
    assert_secure(response)


def test_static_files(visitor):
    response = visitor.get("/static/css/app.css")
    assert response.status_code == 200
    # Static files carry no personal data and may be cached; the other headers stay.
    assert_secure(response, cached_ok=True)
    response.close()


def test_favicon_ico_leads_to_the_icon_signed_in_or_not(visitor):
    """Chromium's PDF viewer asks for /favicon.ico on every PDF shown: it was a 404."""
    response = visitor.get("/favicon.ico")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/static/favicon.svg")
    icon = visitor.get(response.headers["Location"])
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    icon.close()


def test_request_too_large(own_app, staff):
    own_app.config["MAX_CONTENT_LENGTH"] = 1024
    browser = own_app.test_client()
    response = browser.post("/login", data={"username": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert_secure(response)


def test_server_error(own_app, staff):
    browser = own_app.test_client()
    login(browser, staff.lhr_counsellor)
    response = browser.get("/test-only/boom")
    assert response.status_code == 500
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert_secure(response)


def test_hsts_only_when_served_over_https(own_app, staff):
    browser = own_app.test_client()
    assert "Strict-Transport-Security" not in browser.get("/login").headers
    own_app.config["SESSION_COOKIE_SECURE"] = True
    response = browser.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_session_cookie_flags(own_app, staff):
    browser = own_app.test_client()
    cookie = login(browser, staff.lhr_counsellor).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    own_app.config["SESSION_COOKIE_SECURE"] = True
    browser = own_app.test_client()
    cookie = login(browser, staff.lhr_counsellor).headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_proxy_headers_are_trusted_only_when_configured(database_url, app, staff, monkeypatch):
    """MRC_PROXY_COUNT=1: the address and scheme come from the one proxy in front."""
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}

    def seen_by(proxies: str | None) -> str:
        if proxies:
            monkeypatch.setenv("MRC_PROXY_COUNT", proxies)
        with app_for(database_url) as flask_app:
            flask_app.add_url_rule("/test-only/remote", "remote",
                                   lambda: f"{request.remote_addr} {request.scheme}")
            browser = flask_app.test_client()
            login(browser, staff.lhr_counsellor)
            return browser.get("/test-only/remote", headers=forwarded).get_data(as_text=True)

    assert seen_by(None) == "127.0.0.1 http"
    assert seen_by("1") == "203.0.113.9 https"


def _every_rule(flask_app, method):
    """(rule, URL) for every route answering ``method``, with 1 for each path argument."""
    for rule in sorted(flask_app.url_map.iter_rules(), key=lambda r: r.rule):
        if method not in rule.methods or rule.endpoint == "static":
            continue
        yield rule, re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule.rule)


def test_every_page_of_a_signed_in_user_is_not_cached(app, staff):
    """Whatever a GET route answers (page, redirect, 403, 404), the headers are there."""
    browser = app.test_client()
    login(browser, staff.lhr_manager)
    seen = 0
    for rule, url in _every_rule(app, "GET"):
        response = browser.get(url)
        assert response.status_code < 500, url
        assert_secure(response)
        response.close()
        seen += 1
    assert seen > 20


@pytest.mark.parametrize("locale", ["en", "ur"])
def test_every_form_refuses_a_post_without_csrf_token(app, staff, locale):
    """CSRF is on in the suite. Every POST route (login, logout, language, every form of every
    feature) answers 400 with the translated error page when the token is missing."""
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = locale
    login(browser, staff.lhr_manager)
    with app.test_request_context(), force_locale(locale):
        message = _(CSRF_MESSAGE)
    if locale != "en":
        assert message != CSRF_MESSAGE, "the CSRF message is not translated"
    checked = []
    for rule, url in _every_rule(app, "POST"):
        response = browser.post(url, data={"anything": "1"})
        assert response.status_code == 400, (url, response.status_code)
        html = response.get_data(as_text=True)
        assert message in html.replace("&#39;", "'"), url
        assert_secure(response)
        checked.append(rule.endpoint)
    assert {"auth.login", "auth.logout", "core.set_language", "clients.register",
            "clients.edit", "counselling.new", "referrals.new"} <= set(checked), checked
    db.session.rollback()
