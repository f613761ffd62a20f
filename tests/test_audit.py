"""The audit log: written for logins, views, creates and updates; read on the admin page."""

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from mrc.audit.models import AppendOnlyError, AuditEvent
from mrc.extensions import db
from tests.conftest import login
from tests.test_clients import register


def test_admin_sees_who_viewed_which_client(app, client, staff):
    counsellor = app.test_client()
    login(counsellor, staff.lhr_counsellor)
    register(counsellor)
    reference_id = db.session.scalar(select(AuditEvent.object_id).where(AuditEvent.action == "create",
                                                                       AuditEvent.object_type == "client"))
    counsellor.get(f"/clients/{reference_id}")

    login(client, staff.admin)
    page = client.get(f"/audit/?action=view&user_id={staff.lhr_counsellor.id}").get_data(as_text=True)
    assert "lhr-counsellor" in page
    assert "LHR-" in page  # the client's reference, linked
    assert f"/clients/{reference_id}" in page
    # Filters narrow the list.
    logins = client.get("/audit/?action=login").get_data(as_text=True)
    assert "LHR-" not in logins and ">Logged in<" in logins


def test_audit_date_filter(client, staff):
    login(client, staff.admin)
    page = client.get("/audit/?date_from=2000-01-01&date_to=2000-01-02").get_data(as_text=True)
    assert "No events match." in page


def test_audit_events_cannot_be_changed_or_deleted(app, staff):
    event = AuditEvent(action="view", username="x")
    db.session.add(event)
    db.session.commit()
    event.summary = "changed"
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()


def test_admin_saves_a_centre_with_contact_details(client, staff):
    from mrc.centres.models import Centre
    from tests.conftest import post_form

    login(client, staff.admin)
    centre = db.session.scalar(select(Centre).where(Centre.code == "LHR"))
    response = post_form(client, f"/centres/{centre.id}", {
        "name": centre.name, "city": "Lahore", "address": "Punjab Labour Department, Lahore",
        "phone": "042 99201234", "email": "mrc.lahore@example.org", "default_locale": "ur",
        "timezone": "Asia/Karachi", "active": "y"}, token_from=f"/centres/{centre.id}")
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Centre, centre.id)
    assert saved.email == "mrc.lahore@example.org" and saved.phone == "+924299201234"
    bad = post_form(client, f"/centres/{centre.id}", {
        "name": centre.name, "city": "Lahore", "email": "not an address",
        "default_locale": "ur", "timezone": "Asia/Karachi"}, token_from=f"/centres/{centre.id}")
    assert 'id="email-error"' in bad.get_data(as_text=True)


def test_every_action_the_service_records_has_a_label_and_a_filter_entry():
    """The audit page shows ``ACTION_LABELS`` (in the reader's language) and offers them as
    its filter: an action recorded without one showed as a bare code and could not be chosen."""
    import mrc
    from mrc.audit.services import ACTION_LABELS

    recorded = set()
    for path in Path(mrc.__file__).parent.rglob("*.py"):
        recorded |= set(re.findall(r"audit\.record\(\s*[^,()]+,\s*\"([a-z_]+)\"",
                                   path.read_text(encoding="utf-8")))
    assert {"merge", "unmerge", "search", "view"} <= recorded  # the scan finds them
    assert recorded - set(ACTION_LABELS) == set()


def test_merges_are_labelled_and_filtered_on_the_audit_page(client, staff):
    from mrc.actor import Actor
    from mrc.clients.merge import merge_clients
    from tests.test_merge import person

    actor = Actor(staff.lhr_manager)
    merge_clients(actor, person(actor), person(actor, family_name="Begom"))
    login(client, staff.admin)
    page = client.get("/audit/?action=merge").get_data(as_text=True)
    assert re.search(r'<option[^>]*value="merge"[^>]*>Merged two records</option>', page)
    assert page.count(">Merged two records</td>") == 2
    assert ">Logged in</td>" not in page
