"""``flask mrc retention``: anonymise the clients whose centre's retention period has ended."""

import click
from flask.cli import with_appcontext

from mrc.extensions import db
from mrc.progress import advancing, progressbar


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="Only list the clients that are due.")
@with_appcontext
def retention_command(dry_run):
    """Anonymise every client whose last activity is older than their centre's retention
    period (``retention_years``, default 5); with --dry-run, list them only."""
    from mrc.audit import services as audit
    from mrc.centres.models import Centre
    from mrc.clients.privacy import SYSTEM_USERNAME, clients_due_now, run_retention

    due = clients_due_now()
    codes = {centre.id: centre.code for centre in db.session.scalars(db.select(Centre))}
    if dry_run:
        for item in due:
            click.echo(f"{item.reference}\t{codes.get(item.centre_id, '')}\t"
                       f"last activity {item.last_activity.date().isoformat()}")
        click.echo(f"{len(due)} clients due for anonymisation (dry run: nothing changed).")
        # The list shows who is on file: a read of client records, like the manager's page.
        audit.record(None, "view", object_type="client", username=SYSTEM_USERNAME,
                     summary=f"retention list (dry run); {len(due)} due")
        db.session.commit()
        return
    if not due:
        click.echo("No clients due for anonymisation.")
        return
    with progressbar(length=len(due), label="Anonymising") as bar:
        count = run_retention(due, progress=advancing(bar))
    click.echo(f"{count} clients anonymised.")
