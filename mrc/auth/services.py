"""Logging in and out, server-side sessions, throttling and user administration."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import joinedload

from mrc.actor import Actor
from mrc.audit import services as audit
from mrc.auth.models import LoginFailure, Role, User, UserSession
from mrc.auth.passwords import (
    burn_verification_time,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from mrc.database import utcnow
from mrc.errors import FieldError
from mrc.extensions import db


class AuthError(Exception):
    """A refusal whose message is safe and translated for the person logging in."""


class PolicyError(FieldError):
    """A request that breaks a rule (password policy, role limits). ``refusals``: this one
    and any others found in the same request (``also``), one beside each field."""

    def __init__(self, message, field: str, *, also=()):
        super().__init__(field, message)
        self.refusals = [self, *also]


def _refuse_together(*checks) -> None:
    """Run every check and raise what all of them refused at once, so that a form shows each
    problem beside its field in one go (not one more after each correction)."""
    refusals = []
    for check in checks:
        try:
            check()
        except PolicyError as refusal:
            refusals += refusal.refusals
    if refusals:
        first, *others = refusals
        raise PolicyError(first.message, first.field, also=others)


@dataclass(frozen=True)
class LoginResult:
    user: User
    session_token: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_username(username: str) -> str:
    return username.strip().lower()


# --- throttling -------------------------------------------------------------------------------

def _recent_failures(column, value, now: datetime) -> int:
    window_start = now - current_app.config["LOGIN_FAILURE_WINDOW"]
    return db.session.scalar(
        select(func.count()).select_from(LoginFailure).where(column == value, LoginFailure.at >= window_start)
    )


def throttled_minutes(username: str, remote_addr: str, now: datetime | None = None) -> int:
    """Minutes to wait before the next attempt for this account or address; 0 when allowed."""
    now = now or utcnow()
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    window = current_app.config["LOGIN_FAILURE_WINDOW"]
    blocking = or_(
        LoginFailure.username == username,
        LoginFailure.remote_addr == remote_addr,
    )
    if (
        _recent_failures(LoginFailure.username, username, now) < limit
        and _recent_failures(LoginFailure.remote_addr, remote_addr, now) < limit
    ):
        return 0
    # The lock lifts when the oldest failure that still counts leaves the window.
    oldest_counted = db.session.scalar(
        select(func.min(LoginFailure.at)).where(blocking, LoginFailure.at >= now - window)
    )
    remaining = (oldest_counted + window) - now
    return max(1, int(remaining.total_seconds() // 60) + 1)


# --- logging in and out -----------------------------------------------------------------------

def authenticate(username: str, password: str, remote_addr: str) -> LoginResult:
    """Check the credentials and open a server-side session.

    Raises ``AuthError`` with the same message for an unknown user and a wrong password, and
    with a throttling message after too many failures for the account or the address.
    """
    username = normalise_username(username)
    wait = throttled_minutes(username, remote_addr)
    if wait:
        audit.record(None, "failed_login", username=username, remote_addr=remote_addr,
                     summary="throttled")
        db.session.commit()
        raise AuthError(
            _l("Too many failed attempts. Please try again in %(minutes)d minutes.", minutes=wait)
        )
    user = db.session.scalar(select(User).where(User.username == username))
    password_hash, active = (user.password_hash, user.active) if user else ("", False)
    # End the read before hashing: on SQLite a posted form's transaction holds the write lock
    # (mrc.database), and Argon2 is deliberately slow.
    db.session.commit()
    if user is None:
        burn_verification_time(password)
        ok = False
    else:
        ok = verify_password(password_hash, password) and active
    if not ok:
        db.session.add(LoginFailure(username=username, remote_addr=remote_addr))
        audit.record(None, "failed_login", username=username, remote_addr=remote_addr,
                     centre_id=user.centre_id if user else None)
        db.session.commit()
        raise AuthError(_l("Wrong user name or password."))

    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    user.last_login_at = utcnow()
    token = _start_session(user, remote_addr)
    audit.record(Actor(user, remote_addr), "login", object_type="user", object_id=user.id)
    db.session.commit()
    return LoginResult(user=user, session_token=token)


def _start_session(user: User, remote_addr: str) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=_token_hash(token), user_id=user.id,
                               remote_addr=remote_addr[:45]))
    return token


def user_for_session(token: str | None) -> User | None:
    """The user of a live session, or None when it ended, idled out or the user was disabled.

    Refreshes the session's last-seen time (at most once a minute, to spare writes).
    """
    if not token:
        return None
    # The user and their centre come with the session row: every page reads both, and three
    # round trips to the database became one.
    row = db.session.scalar(
        select(UserSession)
        .options(joinedload(UserSession.user).joinedload(User.centre))
        .where(UserSession.token_hash == _token_hash(token)))
    if row is None or row.ended_at is not None or not row.user.active:
        return None
    now = utcnow()
    config = current_app.config
    if (
        now - row.last_seen_at > config["SESSION_IDLE_TIMEOUT"]
        or now - row.created_at > config["PERMANENT_SESSION_LIFETIME"]
    ):
        row.ended_at = now
        db.session.commit()
        return None
    if now - row.last_seen_at > timedelta(minutes=1):
        row.last_seen_at = now
        db.session.commit()
    return row.user


def end_sessions(user: User, *, keep_token: str | None = None) -> int:
    """End the user's sessions on the server, all of them or all but ``keep_token``'s."""
    statement = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep_token:
        statement = statement.where(UserSession.token_hash != _token_hash(keep_token))
    return db.session.execute(statement.values(ended_at=utcnow())).rowcount


def logout(actor: Actor) -> None:
    """Log out everywhere: this session and the user's other sessions end."""
    end_sessions(actor.user)
    audit.record(actor, "logout", object_type="user", object_id=actor.user.id)
    db.session.commit()


# --- passwords and users ----------------------------------------------------------------------

def check_password(password: str, username: str, field: str = "password") -> None:
    problems = password_problems(password, username)
    if problems:
        raise PolicyError(problems[0], field)


def change_own_password(actor: Actor, current_password: str, new_password: str,
                        keep_token: str | None) -> None:
    user = actor.user
    if not verify_password(user.password_hash, current_password):
        raise PolicyError(_l("The current password is not correct."), "current_password")
    check_password(new_password, user.username, "new_password")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    end_sessions(user, keep_token=keep_token)
    audit.record(actor, "password_change", object_type="user", object_id=user.id)
    db.session.commit()


def manageable_roles(manager: User) -> list[Role]:
    """Roles that ``manager`` may give: admins any, managers counsellors only."""
    if manager.role == Role.ADMIN:
        return [Role.COUNSELLOR, Role.MANAGER, Role.ADMIN]
    if manager.role == Role.MANAGER:
        return [Role.COUNSELLOR]
    return []


def can_manage(manager: User, user: User) -> bool:
    if manager.role == Role.ADMIN:
        return True
    return (
        manager.role == Role.MANAGER
        and user.role == Role.COUNSELLOR
        and user.centre_id == manager.centre_id
    )


def manageable_users(manager: User):
    statement = select(User).order_by(User.username)
    if manager.role == Role.ADMIN:
        return statement
    return statement.where(User.centre_id == manager.centre_id, User.role == Role.COUNSELLOR)


def _check_assignment(actor: Actor, role: Role, centre_id: int | None) -> None:
    if role not in manageable_roles(actor.user):
        raise PolicyError(_l("You may not give this role."), "role")
    if actor.user.role != Role.ADMIN and centre_id != actor.user.centre_id:
        raise PolicyError(_l("You may only manage users of your own centre."), "centre_id")
    if role != Role.ADMIN and centre_id is None:
        raise PolicyError(_l("Counsellors and managers belong to a centre."), "centre_id")


def create_user(actor: Actor | None, *, username: str, display_name: str, password: str,
                role: Role, centre_id: int | None, preferred_locale: str | None = None) -> User:
    """Create an account. ``actor`` None means the command line (no role limits)."""
    username = normalise_username(username)

    def assignment() -> None:
        if actor is not None:
            _check_assignment(actor, role, centre_id)
        elif role != Role.ADMIN and centre_id is None:
            raise PolicyError(_l("Counsellors and managers belong to a centre."), "centre_id")

    def username_free() -> None:
        if db.session.scalar(select(User.id).where(User.username == username)):
            raise PolicyError(_l("This user name is taken."), "username")

    _refuse_together(assignment, username_free, lambda: check_password(password, username))
    user = User(
        username=username,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        role=role,
        centre_id=centre_id,
        preferred_locale=preferred_locale,
        password_changed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "create", object_type="user", object_id=user.id, centre_id=centre_id,
                 summary=f"role={role.value}", username=actor.user.username if actor else "cli")
    db.session.commit()
    return user


def update_user(actor: Actor, user: User, *, display_name: str, role: Role,
                centre_id: int | None, active: bool, new_password: str = "") -> None:
    if not can_manage(actor.user, user):
        raise PolicyError(_l("You may not manage this user."), "role")

    def not_oneself() -> None:
        if user.id == actor.user.id and (not active or role != user.role):
            raise PolicyError(_l("You cannot change your own role or deactivate yourself."),
                              "active")

    # Every rule before anything changes: a refused change leaves the user as it was.
    _refuse_together(lambda: _check_assignment(actor, role, centre_id), not_oneself,
                     lambda: check_password(new_password, user.username) if new_password
                     else None)
    changed = []
    for field, value in (("display_name", display_name.strip()), ("role", role),
                         ("centre_id", centre_id), ("active", active)):
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if new_password:
        user.password_hash = hash_password(new_password)
        user.password_changed_at = utcnow()
        changed.append("password")
    if changed and ("active" in changed or "password" in changed or "role" in changed
                    or "centre_id" in changed):
        # Access changed: sessions opened under the old rights end now.
        end_sessions(user)
    if changed:
        action = "update"
        if "active" in changed:
            action = "activate" if active else "deactivate"
        audit.record(actor, action, object_type="user", object_id=user.id,
                     centre_id=user.centre_id, summary="changed: " + ", ".join(changed))
    db.session.commit()


def set_preferred_locale(user: User, locale: str | None) -> None:
    user.preferred_locale = locale
    db.session.commit()
