"""A client's timeline: everything that happened with them, newest first.

Each feature contributes entries through a function ``timeline_entries(client)`` listed in
``SOURCES``; the timeline merges them. A client's history is short enough to merge in Python.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from mrc.clients.models import Client
from mrc.i18n import isolate
from mrc.pagination import Page


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # "registration", "counselling", "group_session", "referral", ...
    text: str
    url: str | None = None


def registration_entries(client: Client) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            at=client.created_at,
            kind="registration",
            text=str(_l("Registered at %(centre)s by %(name)s",
                        centre=client.centre.code, name=isolate(client.created_by.display_name))),
        )
    ]


def counselling_entries(client: Client) -> list[TimelineEntry]:
    from mrc.counselling.services import timeline_entries  # imported late: it imports clients

    return timeline_entries(client)


def referral_entries(client: Client) -> list[TimelineEntry]:
    from mrc.referrals.services import timeline_entries  # imported late: it imports clients

    return timeline_entries(client)


def group_session_entries(client: Client) -> list[TimelineEntry]:
    from mrc.group_sessions.timeline import timeline_entries  # imported late: it imports clients

    return timeline_entries(client)


def sheet_print_entries(client: Client) -> list[TimelineEntry]:
    from mrc.sheets.services import timeline_entries  # imported late: it imports clients

    return timeline_entries(client)


SOURCES = [registration_entries, counselling_entries, referral_entries, group_session_entries,
           sheet_print_entries]


def client_timeline(client: Client, *, page: int = 1, per_page: int = 20) -> Page:
    entries = [entry for source in SOURCES for entry in source(client)]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    page = min(max(1, page), Page.count(len(entries), per_page))
    start = (page - 1) * per_page
    return Page(entries[start:start + per_page], page, per_page, len(entries))
