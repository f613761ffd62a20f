"""``flask --app wsgi mrc …``: set up and look after a centre's installation."""

import os
import secrets
import sys

import click
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select

from mrc.auth.models import Role, User
from mrc.extensions import db
from mrc.progress import advancing, progressbar


@click.group("mrc")
def mrc_cli():
    """MRC case management: set-up and maintenance commands."""


@mrc_cli.command("init")
@with_appcontext
def init_command():
    """Migrate the database to the newest schema and seed the five centres (idempotent)."""
    from mrc.centres.services import seed_centres
    from mrc.partners.services import seed_partners

    upgrade(revision="heads")
    created = seed_centres()
    if created:
        click.echo("Centres created: " + ", ".join(created))
    else:
        click.echo("Database up to date; centres already present.")
    partners = seed_partners()
    if partners:
        click.echo(f"Starter partner directory: {len(partners)} national partners added.")
    from mrc.sheets.services import seed_sheets

    sheets = seed_sheets()
    if sheets:
        click.echo(f"Information sheets: {sheets} draft language versions added.")


def _read_password(prompt: bool) -> str:
    if prompt and sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


@mrc_cli.command("create-user")
@click.argument("username")
@click.option("--name", "display_name", help="Full name shown in the interface.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--centre", "centre_code", help="Centre code (ISB, LHR, BGW, EBL, DAC).")
@with_appcontext
def create_user_command(username, display_name, role, centre_code):
    """Create an account. The password is asked for, or read from standard input."""
    from mrc.auth.services import PolicyError, create_user
    from mrc.centres.models import Centre

    centre_id = None
    if centre_code:
        centre = db.session.scalar(select(Centre).where(Centre.code == centre_code.upper()))
        if centre is None:
            raise click.BadParameter(f"no centre {centre_code}", param_hint="--centre")
        centre_id = centre.id
    password = _read_password(prompt=True)
    try:
        user = create_user(None, username=username, display_name=display_name or username,
                           password=password, role=Role(role), centre_id=centre_id)
    except PolicyError as error:
        raise click.ClickException(" ".join(map(str, error.refusals))) from error
    click.echo(f"Created {user.role.value} {user.username}.")


@mrc_cli.command("ensure-admin")
@click.option("--username", default="admin", show_default=True)
@with_appcontext
def ensure_admin_command(username):
    """Create a first admin if there is none: password from MRC_ADMIN_PASSWORD or printed."""
    from mrc.auth.services import PolicyError, create_user

    if db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN)):
        click.echo("An admin account exists already.")
        return
    password = os.environ.get("MRC_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    try:
        create_user(None, username=username, display_name="Administrator", password=password,
                    role=Role.ADMIN, centre_id=None)
    except PolicyError as error:
        raise click.ClickException(f"MRC_ADMIN_PASSWORD refused: {error}") from error
    if os.environ.get("MRC_ADMIN_PASSWORD"):
        click.echo(f"Created admin '{username}' with the password from MRC_ADMIN_PASSWORD.")
    else:
        click.echo(f"Created admin '{username}' with password: {password}")
        click.echo("Write it down now; it is not shown again. Change it after logging in.")


@mrc_cli.command("demo-data")
@click.option("--clients-per-centre", default=300, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=1, show_default=True, type=int,
              help="The same seed gives the same people.")
@click.option("--if-empty", is_flag=True, help="Do nothing when clients exist already.")
@with_appcontext
def demo_data_command(clients_per_centre, seed, if_empty):
    """Create demo counsellors, a manager per centre, realistic clients and their casework."""
    from mrc.auth.demo import demo_password, ensure_demo_staff
    from mrc.clients.demo import generate_demo_clients
    from mrc.clients.models import Client
    from mrc.demo_casework import generate_demo_casework
    from mrc.partners.services import seed_partners

    if if_empty and db.session.scalar(select(func.count()).select_from(Client)):
        click.echo("Clients exist already; no demo data added.")
        return
    seed_partners()  # referrals and group sessions go to the starter partners
    from mrc.sheets.services import seed_sheets

    seed_sheets()  # draft information sheets to print
    staff = ensure_demo_staff()
    for centre, counsellor in staff:
        newest_before = db.session.scalar(select(func.max(Client.id))) or 0
        with progressbar(length=clients_per_centre, label=f"{centre.code}: clients") as bar:
            generate_demo_clients(centre, counsellor, clients_per_centre, seed,
                                  progress=advancing(bar))
        generate_demo_casework(centre, counsellor, seed, after_client_id=newest_before)
    click.echo("Demo staff log in with the password in MRC_DEMO_PASSWORD "
               f"(default '{demo_password()}'): " + ", ".join(
                   f"{c.code.lower()}-counsellor, {c.code.lower()}-manager" for c, _ in staff))


from mrc.backup import backup_command, restore_command  # noqa: E402  (defined beside its service)

mrc_cli.add_command(backup_command)
mrc_cli.add_command(restore_command)

from mrc.clients.privacy_cli import retention_command  # noqa: E402

mrc_cli.add_command(retention_command)

from mrc.clients.activity import last_activity_command  # noqa: E402

mrc_cli.add_command(last_activity_command)

from mrc.stats.archive import archive_data_command  # noqa: E402

mrc_cli.add_command(archive_data_command)

from mrc.stats.facts import statistics_facts_command  # noqa: E402

mrc_cli.add_command(statistics_facts_command)

from mrc.stats.rollup import statistics_months_command  # noqa: E402

mrc_cli.add_command(statistics_months_command)

from mrc.clients.cli import rebuild_search_keys_command  # noqa: E402

mrc_cli.add_command(rebuild_search_keys_command)
