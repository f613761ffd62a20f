"""Rules for counselling session data, shared by the form (messages beside the fields) and the
services (which check again, so that no caller can save a session that breaks them).

Each check raises ``ValueError`` with a translated message, or returns nothing.
"""

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l

from mrc.counselling import choices

MIN_DURATION, MAX_DURATION = 1, 480
NOTES_MAX_LENGTH = 10_000
# Clocks of phones and office PCs drift; a session logged "now" may look a little ahead.
FUTURE_TOLERANCE = timedelta(minutes=5)
# Sessions are logged soon after they happen; older ones are most likely typing mistakes.
OLDEST_SESSION = timedelta(days=366)


def check_held_at(held_at: datetime, *, now: datetime, previous: datetime | None = None) -> None:
    """Not in the future, not more than a year back (unless it is the saved, unchanged time)."""
    if held_at > now + FUTURE_TOLERANCE:
        raise ValueError(_l("The session cannot be in the future."))
    if held_at < now - OLDEST_SESSION and held_at != previous:
        raise ValueError(_l("The session cannot be more than a year ago."))


def check_follow_up(follow_up_on: date | None, *, today: date,
                    previous: date | None = None) -> None:
    """Today or later (a saved, unchanged date may since have passed)."""
    if follow_up_on is not None and follow_up_on < today and follow_up_on != previous:
        raise ValueError(_l("The follow-up date cannot be in the past."))


def check_duration(minutes: int | None) -> None:
    if minutes is None or not MIN_DURATION <= minutes <= MAX_DURATION:
        raise ValueError(_l("Enter the duration in minutes, from %(min)d to %(max)d.",
                            min=MIN_DURATION, max=MAX_DURATION))


def check_channel(channel: str) -> None:
    if channel not in dict(choices.CHANNELS):
        raise ValueError(_l("Choose how the session took place."))


def check_topics(codes: list[str]) -> None:
    if not codes:
        raise ValueError(_l("Choose at least one topic."))
    if any(code not in dict(choices.TOPICS) for code in codes):
        raise ValueError(_l("Not a valid choice."))


def check_pathways(codes: list[str]) -> None:
    if any(code not in dict(choices.PATHWAYS) for code in codes):
        raise ValueError(_l("Not a valid choice."))
    if choices.NO_PATHWAY in codes and len(codes) > 1:
        raise ValueError(_l("“None” cannot be chosen together with a pathway."))


def check_notes(notes: str) -> None:
    if len(notes) > NOTES_MAX_LENGTH:
        raise ValueError(_l("Notes can have at most %(count)d characters.",
                            count=NOTES_MAX_LENGTH))
