"""The audit log: written for logins, views, creates and updates; read on the admin page."""

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
