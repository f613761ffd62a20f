"""Permission matrix rows of group sessions (collected by tests/test_permissions.py).

{own_group_session} is a session at Lahore (the test users' centre); the "other" one is at
Islamabad. Admins have no centre: they see every session but cannot record new ones.
"""

from datetime import time

from mrc.actor import Actor
from mrc.centres.services import centre_today
from mrc.group_sessions.services import GroupSessionData, create_group_session, local_start

ANONYMOUS, COUNSELLOR, MANAGER, ADMIN = "anonymous", "counsellor", "manager", "admin"
OK, REDIRECT, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404
ALL_OK = {ANONYMOUS: REDIRECT, COUNSELLOR: OK, MANAGER: OK, ADMIN: OK}
ALL_REDIRECT = {ANONYMOUS: REDIRECT, COUNSELLOR: REDIRECT, MANAGER: REDIRECT, ADMIN: REDIRECT}
OTHER_CENTRE = {ANONYMOUS: REDIRECT, COUNSELLOR: NOT_FOUND, MANAGER: NOT_FOUND, ADMIN: OK}
OTHER_CENTRE_REDIRECT = {ANONYMOUS: REDIRECT, COUNSELLOR: NOT_FOUND, MANAGER: NOT_FOUND,
                         ADMIN: REDIRECT}
CENTRE_STAFF = {ANONYMOUS: REDIRECT, COUNSELLOR: OK, MANAGER: OK, ADMIN: REDIRECT}

SESSION = "/group-sessions/{own_group_session}"

ROUTES = [
    ("group_sessions.index", "GET", "/group-sessions/", ALL_OK, None),
    # Forms posted without a body come back with errors beside the fields (200).
    ("group_sessions.new", "GET", "/group-sessions/new", CENTRE_STAFF, None),
    ("group_sessions.new", "POST", "/group-sessions/new", CENTRE_STAFF, None),
    ("group_sessions.show", "GET", SESSION, ALL_OK, OTHER_CENTRE),
    ("group_sessions.edit", "GET", SESSION + "/edit", ALL_OK, OTHER_CENTRE),
    ("group_sessions.edit", "POST", SESSION + "/edit", ALL_OK, OTHER_CENTRE),
    ("group_sessions.find", "POST", SESSION + "/find", ALL_OK, OTHER_CENTRE),
    ("group_sessions.attendee_search", "POST", SESSION + "/attendees/search", ALL_OK,
     OTHER_CENTRE),
    # Without a client id: "choose a person" and back to the session.
    ("group_sessions.add_attendee", "POST", SESSION + "/attendees", ALL_REDIRECT,
     OTHER_CENTRE_REDIRECT),
    ("group_sessions.remove_attendee", "POST", SESSION + "/attendees/{own_client}/remove",
     ALL_REDIRECT, OTHER_CENTRE_REDIRECT),
    ("group_sessions.head_counts", "POST", SESSION + "/head-counts", ALL_REDIRECT,
     OTHER_CENTRE_REDIRECT),
    ("group_sessions.sheet", "GET", SESSION + "/sheet", ALL_OK, OTHER_CENTRE),
]

POST_BODIES = {
    SESSION + "/find": {"term": "Test"},
    SESSION + "/attendees/search": {"term": "Test"},
    SESSION + "/head-counts": {"count_male_unknown": "2", "count_female_unknown": "3"},
}


def _group_session_at(user) -> int:
    day = centre_today(user.centre)
    data = GroupSessionData(kind="awareness", starts_at=local_start(user.centre, day, time(10)),
                            venue="Community hall", venue_type="community")
    return create_group_session(Actor(user), data).id


def make_objects(staff, own_client, other_client):
    return ({"own_group_session": _group_session_at(staff.lhr_counsellor)},
            {"own_group_session": _group_session_at(staff.isb_counsellor)})
