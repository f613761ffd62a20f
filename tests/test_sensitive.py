"""Sensitive fields: a client's protection flags and counselling notes are for the assigned
counsellor, the managers of the client's centre and admins only (``can_see_sensitive``); every
page that could show them respects it, the edit form cannot clear them behind a counsellor's
back, and each view of them is audited by field name."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from mrc.actor import Actor
from mrc.audit.models import AuditEvent
from mrc.auth.models import Role
from mrc.clients.models import Client
from mrc.clients.services import ClientData, register_client
from mrc.counselling import services as counselling
from mrc.counselling.services import SessionData
from mrc.database import utcnow
from mrc.extensions import db
from mrc.security import can_see_sensitive
from tests.conftest import login, make_user, post_form

NOTES = "Agent kept the passport and threatened the family in Gujranwala."
FLAG_LABELS = ("Indications of trafficking", "Indications of smuggling",
               "Other protection concern", "trafficking_indication", "smuggling_indication",
               "protection_concern")

# The edit form as a counsellor who may not see the protected section sends it.
EDIT_FORM = {
    "consent_services": "y", "given_name": "Bilal", "family_name": "Aslam", "sex": "male",
    "birth_year": "1996", "nationality": "PK", "migration_status": "intending",
    "district": "Sialkot",
}


def fresh():
    db.session.commit()
    db.session.expire_all()


@pytest.fixture
def case(app, staff):
    """A flagged client of Lahore assigned to ``lhr-counsellor``, one session with notes held
    by them, and a colleague of the same centre who has nothing to do with the case."""
    data = ClientData(given_name="Bilal", family_name="Aslam", sex="male", nationality="PK",
                      migration_status="intending", birth_year=1996, consent_services=True,
                      district="Sialkot", trafficking_indication=True, smuggling_indication=True,
                      protection_concern=True, assigned_counsellor_id=staff.lhr_counsellor.id)
    person = register_client(Actor(staff.lhr_counsellor), data, confirmed_new=True)
    held = counselling.log_session(Actor(staff.lhr_counsellor), person, SessionData(
        held_at=utcnow() - timedelta(hours=2), counsellor_id=staff.lhr_counsellor.id,
        channel="walk_in", duration_minutes=40, topics=["trafficking_smuggling"], notes=NOTES))
    colleague = make_user(Role.COUNSELLOR, "LHR", username="lhr-colleague")
    return {"client": person, "session": held, "colleague": colleague}


def browser_of(app, user):
    browser = app.test_client()
    login(browser, user)
    return browser


def sensitive_views(user) -> list[AuditEvent]:
    fresh()
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "view_sensitive", AuditEvent.user_id == user.id)))


def test_the_rule(app, staff, case):
    person, colleague = case["client"], case["colleague"]
    assert can_see_sensitive(staff.lhr_counsellor, person)
    assert can_see_sensitive(staff.lhr_manager, person)
    assert can_see_sensitive(staff.admin, person)
    assert not can_see_sensitive(colleague, person)
    assert can_see_sensitive(colleague, person, author_id=colleague.id)
    assert not can_see_sensitive(staff.isb_counsellor, person)
    assert not can_see_sensitive(staff.isb_manager, person)
    # Being the author does not open a client of another centre.
    assert not can_see_sensitive(staff.isb_counsellor, person, author_id=staff.isb_counsellor.id)


def test_counsellor_of_another_centre_gets_404(app, staff, case):
    browser = browser_of(app, staff.isb_counsellor)
    for path in (f"/clients/{case['client'].id}", f"/clients/{case['client'].id}/edit",
                 f"/counselling/{case['session'].id}",
                 f"/counselling/{case['session'].id}/edit"):
        response = browser.get(path)
        assert response.status_code == 404, path
        assert NOTES not in response.get_data(as_text=True)
    assert sensitive_views(staff.isb_counsellor) == []


def test_unassigned_colleague_sees_neither_flags_nor_notes(app, staff, case):
    person, held, colleague = case["client"], case["session"], case["colleague"]
    browser = browser_of(app, colleague)
    pages = {
        "client": browser.get(f"/clients/{person.id}"),
        "edit": browser.get(f"/clients/{person.id}/edit"),
        "session": browser.get(f"/counselling/{held.id}"),
        "search": post_form(browser, "/clients/", {"term": "Bilal Aslam", "page": "1"},
                            token_from="/clients/"),
        "home": browser.get("/"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.get_data(as_text=True)
        for label in FLAG_LABELS:
            assert label not in html, (name, label)
        assert "Agent kept the passport" not in html, name
    assert person.reference in pages["search"].get_data(as_text=True)
    assert browser.get(f"/counselling/{held.id}/edit").status_code == 403
    assert sensitive_views(colleague) == []


def test_unassigned_colleague_cannot_clear_or_set_the_flags(app, staff, case):
    person, colleague = case["client"], case["colleague"]
    browser = browser_of(app, colleague)
    response = post_form(browser, f"/clients/{person.id}/edit", {**EDIT_FORM, "district": "Kasur"},
                         token_from=f"/clients/{person.id}/edit")
    assert response.status_code == 302
    fresh()
    saved = db.session.get(Client, person.id)
    assert saved.district == "Kasur"  # the rest of the form was saved
    assert (saved.trafficking_indication, saved.smuggling_indication,
            saved.protection_concern) == (True, True, True)
    assert saved.assigned_counsellor_id == staff.lhr_counsellor.id
    # Flags sent by hand are ignored as well, and so is taking the case over.
    post_form(browser, f"/clients/{person.id}/edit",
              {**EDIT_FORM, "district": "Kasur", "assigned_counsellor_id": str(colleague.id)},
              token_from=f"/clients/{person.id}/edit")
    fresh()
    assert db.session.get(Client, person.id).assigned_counsellor_id == staff.lhr_counsellor.id


def test_assigned_counsellor_can_change_the_flags(app, staff, case):
    person = case["client"]
    browser = browser_of(app, staff.lhr_counsellor)
    form = {**EDIT_FORM, "assigned_counsellor_id": str(staff.lhr_counsellor.id),
            "trafficking_indication": "y"}
    assert post_form(browser, f"/clients/{person.id}/edit", form,
                     token_from=f"/clients/{person.id}/edit").status_code == 302
    fresh()
    saved = db.session.get(Client, person.id)
    assert saved.trafficking_indication and not saved.smuggling_indication
    update = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update",
                                                        AuditEvent.object_id == person.id))
    assert "smuggling_indication" in update.summary and "True" not in update.summary


@pytest.mark.parametrize("who", ["lhr_counsellor", "lhr_manager", "admin"])
def test_assigned_counsellor_manager_and_admin_see_them_and_are_audited(app, staff, case, who):
    user = getattr(staff, who)
    person, held = case["client"], case["session"]
    browser = browser_of(app, user)
    client_page = browser.get(f"/clients/{person.id}").get_data(as_text=True)
    assert "Indications of trafficking" in client_page
    assert "Other protection concern" in client_page
    edit_page = browser.get(f"/clients/{person.id}/edit").get_data(as_text=True)
    assert 'name="trafficking_indication"' in edit_page
    assert NOTES in browser.get(f"/counselling/{held.id}").get_data(as_text=True)

    events = sensitive_views(user)
    by_type = {(event.object_type, event.object_id) for event in events}
    assert ("client", person.id) in by_type
    assert ("counselling_session", held.id) in by_type
    assert len([e for e in events if e.object_type == "client"]) == 2  # page and edit form
    for event in events:
        assert event.summary.startswith("fields: ")
        assert "Agent" not in event.summary and "True" not in event.summary
    session_event = next(e for e in events if e.object_type == "counselling_session")
    assert session_event.summary == "fields: notes"
    client_event = next(e for e in events if e.object_type == "client")
    assert "trafficking_indication" in client_event.summary


def test_timeline_never_shows_notes(app, staff, case):
    browser = browser_of(app, staff.lhr_manager)
    html = browser.get(f"/clients/{case['client'].id}").get_data(as_text=True)
    assert "Agent kept the passport" not in html  # the timeline links to the session instead
    assert f"/counselling/{case['session'].id}" in html


def test_statistics_show_no_one_in_particular(app, staff, case):
    browser = browser_of(app, staff.lhr_manager)
    for path in ("/stats/", "/stats/export.csv"):
        response = browser.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        for personal in ("Bilal", "Aslam", case["client"].reference, "Agent kept"):
            assert personal not in text, (path, personal)
