"""The MRC case-management service: ``create_app()`` builds a configured Flask application."""

import gc
import os
import secrets
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from mrc.config import DefaultConfig, check_production, settings_from_environment
from mrc.database import database_uri, install_postgresql_settings, install_sqlite_pragmas
from mrc.extensions import babel, csrf, db, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_FOLDER = PROJECT_ROOT / "templates"
STATIC_FOLDER = PROJECT_ROOT / "static"
TRANSLATIONS_FOLDER = PROJECT_ROOT / "translations"
MIGRATIONS_FOLDER = Path(__file__).resolve().parent / "migrations"


def freeze_loaded_objects() -> None:
    """Leave what a worker has loaded at start (modules, routes, catalogues: about 140,000
    objects, all living as long as the process) out of the garbage collector's full passes.
    Each pass walked them all, 60-90 ms, in the middle of whichever request set it off
    (seen as the slowest searches of the search benchmark). Call once the app is made."""
    gc.freeze()


def create_app(config: dict | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then the environment, then ``config``."""
    for folder in (TEMPLATE_FOLDER, STATIC_FOLDER, TRANSLATIONS_FOLDER):
        if not folder.is_dir():
            raise RuntimeError(f"missing folder {folder}: run from a complete checkout")

    app = Flask(
        __name__,
        # MRC_INSTANCE_PATH runs the service on another instance folder (e.g. a restored backup).
        instance_path=os.path.abspath(os.environ.get("MRC_INSTANCE_PATH")
                                      or PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(TEMPLATE_FOLDER),
        static_folder=str(STATIC_FOLDER),
    )
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(settings_from_environment())
    if config:
        app.config.update(config)
    check_production(app.config)  # before a secret key is made up for a missing one
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(
        app.config.get("SQLALCHEMY_DATABASE_URI"), app.instance_path
    )
    from mrc.security import make_private

    make_private(Path(app.instance_path), app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS_FOLDER)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))

    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    _init_extensions(app)
    _register_blueprints(app)
    _register_request_hooks(app)

    from mrc.cli import mrc_cli

    app.cli.add_command(mrc_cli)
    return app


def _instance_secret_key(instance: Path) -> str:
    """A random key kept in ``instance/secret_key`` (owner-only) so restarts keep sessions."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_hex(32))
    return key_file.read_text().strip()


def _init_extensions(app: Flask) -> None:
    from mrc import models  # noqa: F401  (every table known before the first query)
    from mrc.i18n import select_locale, select_timezone

    db.init_app(app)
    with app.app_context():
        install_sqlite_pragmas(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        install_postgresql_settings(db.engine)
        from mrc.security import keep_sqlite_files_private

        keep_sqlite_files_private(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS_FOLDER), render_as_batch=True)
    from mrc.clients import activity
    from mrc.stats import facts, rollup

    activity.install()
    facts.install()
    rollup.install()
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"

    from mrc.auth.views import load_user

    login_manager.user_loader(load_user)


def _register_blueprints(app: Flask) -> None:
    from mrc.audit.views import blueprint as audit_blueprint
    from mrc.auth.views import blueprint as auth_blueprint
    from mrc.centres.views import blueprint as centres_blueprint
    from mrc.clients.views import blueprint as clients_blueprint
    from mrc.core import blueprint as core_blueprint
    from mrc.counselling.views import blueprint as counselling_blueprint
    from mrc.group_sessions.views import blueprint as group_sessions_blueprint
    from mrc.partners.views import blueprint as partners_blueprint
    from mrc.referrals.views import blueprint as referrals_blueprint
    from mrc.sheets.views import blueprint as sheets_blueprint
    from mrc.stats.views import blueprint as stats_blueprint

    for blueprint in (core_blueprint, auth_blueprint, centres_blueprint, clients_blueprint,
                      audit_blueprint, counselling_blueprint, partners_blueprint,
                      referrals_blueprint, group_sessions_blueprint, stats_blueprint):
        app.register_blueprint(blueprint)
    app.register_blueprint(sheets_blueprint)


def _register_request_hooks(app: Flask) -> None:
    from mrc import core
    from mrc.security import require_login, set_security_headers

    app.before_request(require_login)
    app.after_request(set_security_headers)
    core.register_error_handlers(app)
    core.register_template_helpers(app)
