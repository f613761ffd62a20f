"""A client's group sessions on their timeline (listed in ``mrc.clients.timeline.SOURCES``)."""

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from mrc.clients.models import Client
from mrc.clients.timeline import TimelineEntry
from mrc.extensions import db
from mrc.group_sessions import choices
from mrc.group_sessions.models import GroupSession, GroupSessionAttendee
from mrc.i18n import isolate


def timeline_entries(client: Client) -> list[TimelineEntry]:
    """One entry per group session the client attended, at the session's start."""
    attended = db.session.scalars(
        select(GroupSession)
        .join(GroupSessionAttendee, GroupSessionAttendee.group_session_id == GroupSession.id)
        .where(GroupSessionAttendee.client_id == client.id)
        .order_by(GroupSession.starts_at.desc())
    )
    return [
        TimelineEntry(
            at=group_session.starts_at,
            kind="group_session",
            text=_("Attended %(kind)s at %(venue)s",
                   kind=choices.label_for(choices.KINDS, group_session.kind),
                   venue=isolate(group_session.venue)),
            url=url_for("group_sessions.show", group_session_id=group_session.id),
        )
        for group_session in attended
    ]
