"""tracker serve: the review desk, a web application on this registry."""

from __future__ import annotations

import click

from tracker.cli.common import App, pass_app

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback wants TLS in front (see the "
                   "README's 'Review desk' section on running behind a reverse proxy).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="Port to listen on.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes (several only on PostgreSQL: SQLite has one writer).")
@click.option("--secure-cookies", is_flag=True,
              help="Mark the session cookie Secure: set it when a TLS proxy serves the desk.")
@pass_app
def serve_cmd(app: App, host: str, port: int, workers: int, secure_cookies: bool) -> None:
    """The review desk: sign in, browse the registry, review datasets, correct records.

    Create the first user with `tracker user add NAME --role admin`. The desk listens on
    127.0.0.1 by default; to reach it from elsewhere, put a reverse proxy with TLS in front
    and pass --secure-cookies."""
    import os

    import uvicorn

    from tracker.web.app import create_app

    url = app.url
    if workers > 1 and url.startswith("sqlite"):
        raise click.UsageError("--workers above 1 needs a PostgreSQL registry (SQLite has "
                               "one writer at a time)")
    if host not in LOOPBACK and not secure_cookies:
        click.echo(f"warning: serving on {host} without TLS: passwords and session cookies "
                   "cross the network in clear. Put a reverse proxy with TLS in front (README, "
                   "'Review desk: behind a reverse proxy') and pass --secure-cookies.",
                   err=True)
    create_app(url, secure_cookies=secure_cookies)  # fails here, once, on a bad registry
    os.environ["TRACKER_SERVE_DB"] = url
    os.environ["TRACKER_SERVE_SECURE"] = "1" if secure_cookies else ""
    click.echo(f"review desk on http://{host}:{port}/ (registry {app.registry.location})",
               err=True)
    # A worker judging a large registry as it starts answers the supervisor's health check
    # late; the default five seconds would kill it, and its successor, over and over.
    uvicorn.run("tracker.web.app:app_from_environment", factory=True, host=host, port=port,
                workers=workers, proxy_headers=True, server_header=False, log_level="warning",
                timeout_worker_healthcheck=120)


COMMANDS = [serve_cmd]
