"""tracker db: where the registry is, its schema version, backups."""

from __future__ import annotations

from pathlib import Path

import click
from sqlmodel import func, select

from tracker.cli.common import App, done, output_options, pass_app, print_json
from tracker.values.wording import plural


@click.group("db")
def db_group() -> None:
    """Registry database: location, schema migrations, backup."""


@db_group.command("path")
@pass_app
def db_path(app: App) -> None:
    """Print the registry's location (SQLite file or URL without password)."""
    from tracker.db import display_url

    click.echo(display_url(app.url))


@db_group.command("upgrade")
@pass_app
def db_upgrade(app: App) -> None:
    """Apply pending schema migrations (opening the registry does this too)."""
    from tracker.registry import Registry

    registry = Registry(app.url, migrate=False)
    app._registry = registry
    before, after = registry.upgrade()
    if before == after:
        done(f"schema is current ({after})")
    else:
        done(f"schema upgraded from {before or 'empty'} to {after}")


@db_group.command("status")
@output_options(csv_ok=False)
@pass_app
def db_status(app: App, as_json: bool) -> None:
    """Schema version and the number of rows in each table."""
    from tracker.db.migrate import current_revision, head_revision
    from tracker.db.models import AUDITED
    from tracker.registry import audit

    registry = app.registry
    with registry.reading() as session:
        counts = {name: session.exec(select(func.count()).select_from(model)).one()
                  for name, model in AUDITED.items()}
        last_event, last_hash = audit.head(session)
        revision = current_revision(session.connection())
    data = {
        "database": registry.location,
        "backend": registry.engine.dialect.name,
        "schema": revision,
        "schema_head": head_revision(),
        "rows": counts,
        "audit_events": last_event,
        "audit_head": last_hash,
    }
    if as_json:
        print_json(data)
        return
    click.echo(f"database   {data['database']} ({data['backend']})")
    click.echo(f"schema     {revision} (head {data['schema_head']})")
    click.echo(f"audit log  {plural(last_event, 'event')}, head {last_hash[:16]}")
    for name, count in counts.items():
        click.echo(f"  {name.ljust(15)} {count}")


@db_group.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def db_backup(app: App, file: Path) -> None:
    """Copy a SQLite registry to FILE, consistently, even while others write.

    Restore by copying FILE back in place of the registry (with no tracker running).
    """
    from tracker.db import backup_sqlite

    backup_sqlite(app.registry.engine, file)
    done(f"backed up {app.registry.location} to {file}")


COMMANDS = [db_group]
