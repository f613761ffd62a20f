"""Logging in, throttling, server-side sessions, passwords and security headers."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from mrc.audit.models import AuditEvent
from mrc.auth.models import Role, User, UserSession
from mrc.auth.passwords import password_problems
from mrc.database import utcnow
from mrc.extensions import db
from tests.conftest import (
    TEST_PASSWORD,
    csrf_token,
    login,
    make_user,
    post_form,
    statements_sent,
)


def test_login_logs_in_and_records_audit(client, staff):
    response = login(client, staff.lhr_counsellor)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "login" in actions


def test_unknown_user_and_wrong_password_get_the_same_answer(client, staff):
    unknown = login(client, SimpleNamespace(username="nobody-here"), follow=True)
    wrong = login(client, staff.lhr_counsellor, password="not the right password", follow=True)
    unknown_text = unknown.get_data(as_text=True)
    wrong_text = wrong.get_data(as_text=True)
    assert "Wrong user name or password." in unknown_text
    assert "Wrong user name or password." in wrong_text
    assert unknown.status_code == wrong.status_code == 200
    failed = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "failed_login")
    )
    assert failed == 2


def test_five_failures_throttle_the_account_even_with_the_right_password(client, staff):
    for _ in range(5):
        login(client, staff.lhr_counsellor, password="wrong password every time")
    response = login(client, staff.lhr_counsellor, follow=True)
    text = response.get_data(as_text=True)
    assert "Too many failed attempts" in text
    assert client.get("/").status_code == 302  # still not logged in


def test_five_failures_from_one_address_throttle_other_accounts(client, staff):
    for number in range(5):
        login(client, SimpleNamespace(username=f"guess-{number}"), password="x" * 12)
    response = login(client, staff.isb_counsellor, follow=True)
    assert "Too many failed attempts" in response.get_data(as_text=True)


def test_throttle_lifts_after_the_window(client, staff, app):
    for _ in range(5):
        login(client, staff.lhr_counsellor, password="wrong password every time")
    app.config["LOGIN_FAILURE_WINDOW"] = timedelta(seconds=0)
    try:
        assert login(client, staff.lhr_counsellor).status_code == 302
    finally:
        app.config["LOGIN_FAILURE_WINDOW"] = timedelta(minutes=15)


def test_deactivated_user_cannot_log_in(client, staff):
    staff.lhr_counsellor.active = False
    db.session.commit()
    response = login(client, staff.lhr_counsellor, follow=True)
    assert "Wrong user name or password." in response.get_data(as_text=True)


def test_passwords_are_hashed_with_argon2id(staff):
    assert staff.lhr_counsellor.password_hash.startswith("$argon2id$")
    assert TEST_PASSWORD not in staff.lhr_counsellor.password_hash


@pytest.mark.parametrize(
    "password, accepted",
    [
        ("short", False),
        ("x" * 129, False),
        ("password1234", False),  # common
        ("Password2024!", False),  # common word with padding
        ("qwertyuiopasdf", False),
        ("passwordpassword", False),  # repeated common word
        ("aaaaaaaaaaaaaaa", False),
        ("lahore-counsellor-pass", True),
        ("a quiet river at dawn 42", True),
        ("tea in the garden at noon", True),
    ],
)
def test_password_policy(app, password, accepted):
    assert (password_problems(password, "someone") == []) is accepted


def test_password_may_not_contain_the_username(app):
    assert password_problems("my name is rashid and more", "rashid")


def _other_session(app, user):
    other = app.test_client()
    login(other, user)
    assert other.get("/").status_code == 200
    return other


def test_logout_ends_all_sessions_of_the_user(app, client, staff):
    login(client, staff.lhr_counsellor)
    other = _other_session(app, staff.lhr_counsellor)
    post_form(client, "/logout", {})
    assert client.get("/").status_code == 302
    assert other.get("/").status_code == 302


def test_changing_password_ends_other_sessions_but_not_this_one(app, client, staff):
    login(client, staff.lhr_counsellor)
    other = _other_session(app, staff.lhr_counsellor)
    response = post_form(
        client, "/account/password",
        {"current_password": TEST_PASSWORD, "new_password": "green mangoes in july",
         "confirm_password": "green mangoes in july"},
        token_from="/account/password",
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    fresh = app.test_client()
    assert login(fresh, staff.lhr_counsellor, password="green mangoes in july").status_code == 302


def test_password_change_errors_are_shown_beside_the_field(client, staff):
    login(client, staff.lhr_counsellor)
    response = post_form(
        client, "/account/password",
        {"current_password": "wrong current password", "new_password": "green mangoes in july",
         "confirm_password": "green mangoes in july"},
        token_from="/account/password",
    )
    text = response.get_data(as_text=True)
    assert 'id="current_password-error"' in text
    assert "The current password is not correct." in text
    response = post_form(
        client, "/account/password",
        {"current_password": TEST_PASSWORD, "new_password": "password1234",
         "confirm_password": "password1234"},
        token_from="/account/password",
    )
    assert 'id="new_password-error"' in response.get_data(as_text=True)


def test_deactivating_a_user_ends_their_sessions(app, client, staff):
    other = _other_session(app, staff.lhr_counsellor)
    login(client, staff.lhr_manager)
    response = post_form(
        client, f"/users/{staff.lhr_counsellor.id}",
        {"username": staff.lhr_counsellor.username, "display_name": "Lahore counsellor",
         "role": "counsellor", "centre_id": str(staff.lhr_counsellor.centre_id)},
        token_from=f"/users/{staff.lhr_counsellor.id}",
    )
    assert response.status_code == 302
    assert other.get("/").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, staff.lhr_counsellor.id).active is False


def test_idle_sessions_expire_on_the_server(app, client, staff):
    login(client, staff.lhr_counsellor)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == staff.lhr_counsellor.id))
    row.last_seen_at = utcnow() - app.config["SESSION_IDLE_TIMEOUT"] - timedelta(minutes=1)
    db.session.commit()
    assert client.get("/").status_code == 302


def test_a_copied_cookie_stops_working_after_logout(app, client, staff):
    login(client, staff.lhr_counsellor)
    cookie = client.get_cookie("mrc_session").value
    post_form(client, "/logout", {})
    replay = app.test_client()
    replay.set_cookie("mrc_session", cookie)
    assert replay.get("/").status_code == 302


def test_session_cookie_flags(client, staff):
    response = login(client, staff.lhr_counsellor)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_secure_cookie_when_configured(app, client, staff):
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        response = login(client, staff.lhr_counsellor)
        assert "Secure" in response.headers["Set-Cookie"]
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_forms_refuse_posts_without_csrf_token(client, staff):
    response = client.post("/login", data={"username": "lhr-counsellor", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    login(client, staff.lhr_counsellor)
    assert client.post("/logout").status_code == 400


def test_login_redirect_only_follows_local_paths(client, staff):
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://evil.example/", data={
            "csrf_token": token, "username": staff.lhr_counsellor.username,
            "password": TEST_PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_manager_creates_counsellor_of_own_centre_only(client, staff):
    login(client, staff.lhr_manager)
    response = post_form(
        client, "/users/new",
        {"username": "new-counsellor", "display_name": "New Counsellor", "role": "counsellor",
         "centre_id": str(staff.isb_manager.centre_id), "active": "y",
         "password": "a long and fresh password"},
        token_from="/users/new",
    )
    # The ISB centre is not among a Lahore manager's choices.
    assert response.status_code == 200
    assert db.session.scalar(select(User).where(User.username == "new-counsellor")) is None
    response = post_form(
        client, "/users/new",
        {"username": "new-counsellor", "display_name": "New Counsellor", "role": "manager",
         "centre_id": str(staff.lhr_manager.centre_id), "active": "y",
         "password": "a long and fresh password"},
        token_from="/users/new",
    )
    assert response.status_code == 200  # managers cannot create managers
    response = post_form(
        client, "/users/new",
        {"username": "new-counsellor", "display_name": "New Counsellor", "role": "counsellor",
         "centre_id": str(staff.lhr_manager.centre_id), "active": "y",
         "password": "a long and fresh password"},
        token_from="/users/new",
    )
    assert response.status_code == 302
    created = db.session.scalar(select(User).where(User.username == "new-counsellor"))
    assert created.role == Role.COUNSELLOR and created.centre_id == staff.lhr_manager.centre_id


def test_user_form_shows_password_policy_error_beside_field(client, staff):
    login(client, staff.admin)
    response = post_form(
        client, "/users/new",
        {"username": "weak", "display_name": "Weak", "role": "counsellor",
         "centre_id": str(staff.lhr_manager.centre_id), "active": "y",
         "password": "password1234"},
        token_from="/users/new",
    )
    text = response.get_data(as_text=True)
    assert 'id="password-error"' in text and "too common" in text


def test_a_signed_in_request_reads_its_session_user_and_centre_in_one_statement(client, staff):
    login(client, staff.lhr_counsellor)
    client.get("/account/password")  # the session's last-seen time is fresh: no write below
    with statements_sent() as statements:
        page = client.get("/account/password")
    assert page.status_code == 200 and ">LHR<" in page.get_data(as_text=True)  # the centre
    reads = [" ".join(sql.split()) for sql in statements if sql.lstrip().startswith("SELECT")]
    assert len(reads) == 1, reads
    assert "FROM user_sessions" in reads[0] and "JOIN users" in reads[0] \
        and "JOIN centres" in reads[0]


def test_the_user_form_shows_every_refusal_at_once(client, staff):
    """A counsellor without a centre and a common password: both messages, each beside its
    field (the password one came only after the centre was corrected)."""
    login(client, staff.admin)
    text = post_form(
        client, "/users/new",
        {"username": staff.lhr_counsellor.username, "display_name": "New", "role": "counsellor",
         "centre_id": "0", "active": "y", "password": "password1234"},
        token_from="/users/new",
    ).get_data(as_text=True)
    assert 'id="centre_id-error"' in text and "belong to a centre" in text
    assert 'id="username-error"' in text and "is taken" in text
    assert 'id="password-error"' in text and "too common" in text


def test_a_refused_edit_changes_nothing(client, staff):
    login(client, staff.lhr_manager)
    response = post_form(
        client, f"/users/{staff.lhr_counsellor.id}",
        {"username": staff.lhr_counsellor.username, "display_name": "Renamed",
         "role": "counsellor", "centre_id": str(staff.lhr_counsellor.centre_id), "active": "y",
         "password": "password1234"},
        token_from=f"/users/{staff.lhr_counsellor.id}",
    )
    assert 'id="password-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, staff.lhr_counsellor.id).display_name != "Renamed"
