"""Configuration defaults.

Order of precedence (later wins): these defaults, then ``instance/config.py``, then the
environment (``SECRET_KEY``, ``DATABASE_URL`` and any ``MRC_*`` variable named below), then the
mapping passed to ``create_app(config=...)`` by tests.
"""

import os
from datetime import timedelta


class DefaultConfig:
    # "production" (MRC_ENV=production) makes start-up refuse unsafe settings: debug on, or a
    # SECRET_KEY that is missing, short or a well-known example. See check_production().
    ENVIRONMENT = "development"

    # Filled from instance/secret_key on first start when neither the environment nor
    # instance/config.py sets it, so a fresh clone works and restarts keep sessions valid.
    SECRET_KEY = None

    # None means "SQLite file in the instance folder"; see mrc.database.database_uri().
    SQLALCHEMY_DATABASE_URI = None
    # Statement parameters (names, phones, notes) stay out of exception texts and thus logs.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"hide_parameters": True}
    SQLITE_BUSY_TIMEOUT_MS = 15_000
    # Outside requests (CLI commands), SQLite transactions take the write lock up front; see
    # mrc.database.sqlite_begin_statement(). The test suite turns this off.
    SQLITE_IMMEDIATE_OUTSIDE_REQUESTS = True

    # Sessions: HttpOnly, SameSite=Lax, Secure when served over HTTPS (set MRC_SECURE_COOKIES=1,
    # which also sends Strict-Transport-Security).
    SESSION_COOKIE_NAME = "mrc_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # A session unused for this long is ended on the server.
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    # Login throttling: this many failures for one account or one address within the window
    # lock further attempts until the window has passed.
    LOGIN_MAX_FAILURES = 5
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)

    # Argon2id cost. RFC 9106's second recommended option (64 MiB, 3 passes).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST_KIB = 64 * 1024
    ARGON2_PARALLELISM = 4

    PASSWORD_MIN_LENGTH = 12
    PASSWORD_MAX_LENGTH = 128

    # Requests larger than this are refused with 413 before any form is read (MRC_MAX_CONTENT_KB).
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # The largest field of a multipart form held in memory (a longer one also answers 413);
    # url-encoded forms are bounded by MAX_CONTENT_LENGTH. Real texts are far below it.
    MAX_FORM_MEMORY_SIZE = 512 * 1024

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"

    # Number of reverse proxies in front of the app whose X-Forwarded-For is trusted.
    PROXY_COUNT = 0

    CLIENTS_PER_PAGE = 25
    REFERRAL_NO_ANSWER_DAYS = 7  # a referral still "made" after this many days needs action
    AUDIT_EVENTS_PER_PAGE = 50


def settings_from_environment() -> dict:
    """Settings that the environment overrides, read at app creation time."""
    settings: dict = {}
    if os.environ.get("MRC_ENV"):
        settings["ENVIRONMENT"] = os.environ["MRC_ENV"]
    if os.environ.get("SECRET_KEY"):
        settings["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if os.environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("MRC_SECURE_COOKIES"):
        settings["SESSION_COOKIE_SECURE"] = os.environ["MRC_SECURE_COOKIES"] == "1"
    if os.environ.get("MRC_PROXY_COUNT"):
        settings["PROXY_COUNT"] = int(os.environ["MRC_PROXY_COUNT"])
    if os.environ.get("MRC_MAX_CONTENT_KB"):
        settings["MAX_CONTENT_LENGTH"] = int(os.environ["MRC_MAX_CONTENT_KB"]) * 1024
    if os.environ.get("MRC_SESSION_IDLE_MINUTES"):
        settings["SESSION_IDLE_TIMEOUT"] = timedelta(
            minutes=int(os.environ["MRC_SESSION_IDLE_MINUTES"])
        )
    return settings


MIN_SECRET_KEY_LENGTH = 32
# Keys from examples and tutorials; a deployment that uses one has no secret at all.
WELL_KNOWN_SECRET_KEYS = frozenset({
    "dev", "development", "secret", "secret key", "secret-key", "secretkey", "changeme",
    "change-me", "change me", "changethis", "test secret key", "default", "mrc", "password",
})


class UnsafeSettings(RuntimeError):
    """The app was asked to run in production with settings that would make it unsafe."""


def check_production(config) -> None:
    """Raise ``UnsafeSettings`` naming every problem when ``ENVIRONMENT`` is ``production``
    and debug is on (the debugger runs code sent by anyone) or ``SECRET_KEY`` is empty,
    shorter than 32 characters or a well-known example (anyone could forge a session)."""
    if config.get("ENVIRONMENT") != "production":
        return
    problems = []
    if config.get("DEBUG"):
        problems.append("debug mode is on: unset FLASK_DEBUG and DEBUG")
    key = config.get("SECRET_KEY") or ""
    if isinstance(key, bytes):
        key = key.decode("utf-8", "replace")
    hint = ("set SECRET_KEY in the environment (or instance/config.py) to a random value, e.g. "
            "python3 -c 'import secrets; print(secrets.token_hex(32))'")
    if not key.strip():
        problems.append(f"SECRET_KEY is not set: {hint}")
    elif key.strip().lower() in WELL_KNOWN_SECRET_KEYS:
        problems.append(f"SECRET_KEY is a well-known example value: {hint}")
    elif len(key) < MIN_SECRET_KEY_LENGTH:
        problems.append(f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters: {hint}")
    if problems:
        raise UnsafeSettings("MRC_ENV=production, refusing to start: " + "; ".join(problems))
