"""Configuration defaults.

Order of precedence (later wins): these defaults, then ``instance/config.py``, then the
environment (``SECRET_KEY``, ``DATABASE_URL`` and any ``MRC_*`` variable named below), then the
mapping passed to ``create_app(config=...)`` by tests.
"""

import os
from datetime import timedelta


class DefaultConfig:
    # Filled from instance/secret_key on first start when neither the environment nor
    # instance/config.py sets it, so a fresh clone works and restarts keep sessions valid.
    SECRET_KEY = None

    # None means "SQLite file in the instance folder"; see mrc.database.database_uri().
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLITE_BUSY_TIMEOUT_MS = 15_000

    # Sessions: HttpOnly, SameSite=Lax, Secure when served over HTTPS (set MRC_SECURE_COOKIES=1).
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
    if os.environ.get("SECRET_KEY"):
        settings["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if os.environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("MRC_SECURE_COOKIES"):
        settings["SESSION_COOKIE_SECURE"] = os.environ["MRC_SECURE_COOKIES"] == "1"
    if os.environ.get("MRC_PROXY_COUNT"):
        settings["PROXY_COUNT"] = int(os.environ["MRC_PROXY_COUNT"])
    if os.environ.get("MRC_SESSION_IDLE_MINUTES"):
        settings["SESSION_IDLE_TIMEOUT"] = timedelta(
            minutes=int(os.environ["MRC_SESSION_IDLE_MINUTES"])
        )
    return settings
