"""Access control: login by default, roles, the one centre-scoping function, who sees sensitive
fields, security headers, owner-only instance files."""

import logging
import os
from functools import wraps
from pathlib import Path
from typing import NamedTuple

from flask import abort, current_app, request
from flask_login import current_user
from sqlalchemy import Select, select

from mrc.auth.models import Role, User
from mrc.extensions import db

# Endpoints reachable without logging in. Everything else requires a login.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "core.set_language", "core.favicon"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def require_login():
    """``before_request`` hook: deny by default, allow the public endpoints."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if not current_user.is_authenticated:
        from mrc.extensions import login_manager

        return login_manager.unauthorized()
    return None


def require_role(*roles: Role):
    """View decorator: the current user must have one of ``roles`` (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


class Scope(NamedTuple):
    """What ``scoped`` reads of a user for a model scoped by its centre alone: the role and
    the centre. Hashable, unlike a user: a statement built for a scope can be kept and reused
    by every user of it (a statement object works out its cache key once)."""

    role: Role
    centre_id: int | None

    @classmethod
    def of(cls, user: User) -> "Scope":
        return cls(user.role, user.centre_id)


def scoped(model, user: User | Scope) -> Select:
    """The one scoping function: a SELECT of ``model`` limited to what ``user`` may see.

    Every scoped model carries a ``centre_id``. Admins see all centres; everyone else sees
    their own centre only (a user without a centre sees nothing). A model whose visibility is
    wider (national partners) says so in a ``visible_to(user)`` class method, and needs the
    user, not a ``Scope``.
    """
    statement = select(model)
    if hasattr(model, "visible_to"):
        if isinstance(user, Scope):
            raise TypeError(f"{model.__name__} is scoped by more than a role and a centre")
        return statement.where(model.visible_to(user))
    if user.role == Role.ADMIN:
        return statement
    return statement.where(model.centre_id == user.centre_id)


def find_scoped(model, object_id: int, user: User):
    """The object if it exists and ``user`` may see it, else None."""
    return db.session.scalar(scoped(model, user).where(model.id == object_id))


def get_scoped_or_404(model, object_id: int, user: User):
    """The object if it exists and ``user`` may see it; 404 otherwise, so as not to leak it."""
    found = find_scoped(model, object_id, user)
    if found is None:
        abort(404)
    return found


# Protection flags of a client. Their values, like counselling notes, never go into audit
# summaries or logs; only these names do.
SENSITIVE_CLIENT_FIELDS = ("trafficking_indication", "smuggling_indication", "protection_concern")


def can_see_sensitive(user: User, client, *, author_id: int | None = None) -> bool:
    """The one rule for a client's protection flags and counselling notes.

    True for admins (they see every centre, see DESIGN.md, and run anonymisation and the audit
    log), managers of the client's centre, and the counsellor assigned to the client. For the
    notes of one counselling session, ``author_id`` (the counsellor who held it and wrote them)
    may read them too. Everyone else, other counsellors of the same centre included, may not.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.ADMIN:
        return True
    if user.centre_id is None or user.centre_id != client.centre_id:
        return False
    if user.role == Role.MANAGER:
        return True
    return user.id in {client.assigned_counsellor_id, author_id} - {None}


def set_security_headers(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        # Served over HTTPS (MRC_SECURE_COOKIES=1): browsers must never fall back to HTTP.
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        # Pages show personal data: never keep them in shared or browser caches. Error pages
        # and redirects too, since they are answers to a signed-in user's requests.
        response.headers["Cache-Control"] = "no-store"
    return response


def make_private(instance: Path, database_uri: str) -> None:
    """Owner-only files: the instance folder (secret key, database, backups) 0700, created so
    or tightened when it is ours; an existing SQLite database and its ``-wal``/``-shm`` 0600.
    New database files are handled by ``keep_sqlite_files_private``."""
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    _owner_only(instance, 0o700)
    for path in _sqlite_files(database_uri):
        _owner_only(path, 0o600)


def keep_sqlite_files_private(engine) -> None:
    """Make the SQLite files 0600 as each connection opens, whatever the umask.

    SQLite creates the database file when the first connection opens it, and gives the
    ``-wal`` and ``-shm`` files it creates later the database file's permissions: tightening
    the files at every connect (three ``stat`` calls) keeps all three owner-only.
    """
    files = _sqlite_files(str(engine.url))
    if not files:
        return
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _tighten(_dbapi_connection, _record):
        for path in files:
            _owner_only(path, 0o600)


def _sqlite_files(database_uri: str) -> list[Path]:
    from sqlalchemy.engine import make_url

    url = make_url(database_uri)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.database.startswith("file:"):
        return []
    database = Path(url.database)
    return [database, Path(f"{database}-wal"), Path(f"{database}-shm")]


def _owner_only(path: Path, mode: int) -> None:
    """chmod ``path`` to ``mode`` when it is ours and more open; warn when it cannot be.

    A file that vanishes meanwhile (SQLite removes ``-wal`` and ``-shm`` when the last
    connection closes) is no error.
    """
    try:
        status = path.stat()
        if status.st_mode & 0o777 & ~mode == 0:
            return
        if status.st_uid != os.getuid():
            logging.getLogger(__name__).warning(
                "%s is readable by others and not ours to tighten", path)
            return
        path.chmod(mode)
    except FileNotFoundError:
        return
