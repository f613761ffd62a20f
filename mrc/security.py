"""Access control: login by default, roles, the one centre-scoping function, security headers."""

from functools import wraps

from flask import abort, request
from flask_login import current_user
from sqlalchemy import Select, select

from mrc.auth.models import Role, User
from mrc.extensions import db

# Endpoints reachable without logging in. Everything else requires a login.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "core.set_language"})

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


def scoped(model, user: User) -> Select:
    """The one scoping function: a SELECT of ``model`` limited to what ``user`` may see.

    Every scoped model carries a ``centre_id``. Admins see all centres; everyone else sees
    their own centre only (a user without a centre sees nothing). A model whose visibility is
    wider (national partners) says so in a ``visible_to(user)`` class method.
    """
    statement = select(model)
    if hasattr(model, "visible_to"):
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


def set_security_headers(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.endpoint != "static":
        # Pages show personal data: never keep them in shared or browser caches.
        response.headers["Cache-Control"] = "no-store"
    return response
