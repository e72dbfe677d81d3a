"""tracker user: who may sign in to the review desk, with which role."""

from __future__ import annotations

import sys

import click

from tracker.cli.common import App, done, emit_rows, interactive, output_options, pass_app

_ROLES = "viewer|editor|reviewer|admin"


def _read_password(from_stdin: bool) -> str:
    """The password from stdin's first line, or prompted twice on a terminal."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not interactive():
        raise click.UsageError("no terminal to ask for the password: pass --password-stdin")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)


def _password_option(func: click.decorators.FC) -> click.decorators.FC:
    return click.option("--password-stdin", is_flag=True,
                        help="Read the password from the first line of stdin "
                             "(else prompted on a terminal).")(func)


@click.group("user")
def user_group() -> None:
    """Review desk users (`tracker serve`): roles viewer, editor, reviewer, admin."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", required=True, metavar=_ROLES,
              help="viewer reads; editor also enters data; reviewer also reviews and waives; "
                   "admin also manages users.")
@_password_option
@pass_app
def user_add(app: App, name: str, role: str, password_stdin: bool) -> None:
    """Add user NAME; their name is the audit actor of what they change on the web."""
    from tracker.registry.users import add_user

    password = _read_password(password_stdin)
    with app.registry.writing(app.actor) as w:
        user = add_user(w, name, role, password)
    done(f"added user {user.name} ({user.role})")


@user_group.command("list")
@output_options()
@pass_app
def user_list(app: App, as_json: bool, as_csv: bool) -> None:
    """Users by name, with role, state and number of live API tokens."""
    from tracker.registry.users import list_users

    with app.registry.reading() as session:
        rows = list_users(session)
    emit_rows(rows, ("name", "role", "disabled", "tokens", "created_at"), as_json=as_json,
              as_csv=as_csv)


@user_group.command("disable")
@click.argument("name")
@pass_app
def user_disable(app: App, name: str) -> None:
    """Stop NAME signing in: their sessions and API tokens stop working at once."""
    from tracker.registry.users import disable_user

    with app.registry.writing(app.actor) as w:
        disable_user(w, name)
    done(f"disabled user {name}")


@user_group.command("enable")
@click.argument("name")
@pass_app
def user_enable(app: App, name: str) -> None:
    """Let a disabled user NAME sign in again (revoked tokens stay revoked)."""
    from tracker.registry.users import enable_user

    with app.registry.writing(app.actor) as w:
        enable_user(w, name)
    done(f"enabled user {name}")


@user_group.command("set-role")
@click.argument("name")
@click.argument("role", metavar="ROLE")
@pass_app
def user_set_role(app: App, name: str, role: str) -> None:
    """Give NAME the role ROLE (viewer, editor, reviewer or admin)."""
    from tracker.registry.users import set_role

    with app.registry.writing(app.actor) as w:
        changed = set_role(w, name, role)
    done(f"{name} is now {role.strip().lower()}" if changed else f"{name} has that role already")


@user_group.command("reset-password")
@click.argument("name")
@_password_option
@pass_app
def user_reset_password(app: App, name: str, password_stdin: bool) -> None:
    """Set a new password for NAME; their open sessions end and their API tokens are
    revoked."""
    from tracker.registry.users import reset_password

    password = _read_password(password_stdin)
    with app.registry.writing(app.actor) as w:
        reset_password(w, name, password)
    done(f"new password set for {name}")


@user_group.command("token")
@click.argument("name")
@pass_app
def user_token(app: App, name: str) -> None:
    """Print a new personal API token for NAME, once (only its hash is kept). Send it as
    `Authorization: Bearer TOKEN` to /api/v1."""
    from tracker.registry.users import new_token

    with app.registry.writing(app.actor) as w:
        token = new_token(w, name)
    click.echo(token)
    done(f"new API token for {name}: keep it now, it is not shown again")


COMMANDS = [user_group]
