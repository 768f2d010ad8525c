"""`flask --app wsgi regsvc …` commands."""

from datetime import timedelta
from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app

from regsvc.auth.services import AccountError, create_user, find_user, list_users, set_active
from regsvc.claims.receipts import referenced_upload_names
from regsvc.db import get_session
from regsvc.demo import load_demo_data
from regsvc.mail.services import send_pending
from regsvc.mail.services import watch as watch_outbox
from regsvc.privacy import commands as privacy_commands
from regsvc.registration.services import release_expired_holds, remind_held_seats
from regsvc.roles import Role
from regsvc.storage import current_storage

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def _sweep_holds() -> None:
    """The seat holds' timed work, for send-mail --watch (see the sweep-holds command)."""
    remind_held_seats(get_session())
    release_expired_holds(get_session())


def init_app(app: Flask) -> None:
    @app.cli.group("regsvc")
    def group():
        """regsvc administration."""

    @group.command("migrate")
    def migrate():
        """Bring the database schema up to date."""
        command.upgrade(alembic_config(current_app.config["DATABASE_URL"]), "head")
        click.echo("Database schema is up to date.")

    @group.command("demo")
    def demo():
        """Create the demo events, staff accounts and travel claims (idempotent)."""
        for line in load_demo_data(get_session(), current_storage()):
            click.echo(line)

    @group.command("create-user")
    @click.argument("email")
    @click.option(
        "--role",
        "roles",
        multiple=True,
        required=True,
        type=click.Choice([role.value for role in Role]),
        help="organiser, desk or finance; repeat for several.",
    )
    @click.option("--name", default="", help="The person's name, shown in the audit log.")
    @click.option("--generate-password", is_flag=True, help="Print a generated password instead of asking.")
    def create_user_command(email, roles, name, generate_password):
        """Create a staff account."""
        password = None
        if not generate_password:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            account = create_user(get_session(), email, list(roles), password=password, full_name=name)
        except AccountError as refused:
            raise click.ClickException(str(refused)) from None
        click.echo(f"Created {account.user.email} ({', '.join(sorted(account.user.roles))}).")
        if account.generated_password:
            click.echo(f"Password (shown only now): {account.generated_password}")

    @group.command("list-users")
    def list_users_command():
        """List staff accounts."""
        for user in list_users(get_session()):
            state = "active" if user.active else "disabled"
            click.echo(f"{user.email:40} {','.join(sorted(user.roles)):28} {state}")

    @group.command("disable-user")
    @click.argument("email")
    def disable_user_command(email):
        """Stop a staff account from signing in (it is signed out at once)."""
        user = find_user(get_session(), email)
        if user is None:
            raise click.ClickException(f"There is no account for {email}.")
        set_active(get_session(), user.id, False)
        click.echo(f"{user.email} can no longer sign in.")

    @group.command("sweep-uploads")
    @click.option(
        "--older-than",
        default=60,
        show_default=True,
        type=click.IntRange(min=1),
        help="Minutes: younger files may belong to an upload in progress and are left alone.",
    )
    def sweep_uploads(older_than):
        """Remove upload files that no receipt refers to, and what failed uploads left behind."""
        referenced = referenced_upload_names(get_session())
        report = current_storage().sweep(referenced, older_than=timedelta(minutes=older_than))
        for label, names in (
            ("Removed unfinished upload", report.temporary_removed),
            ("Removed file no receipt refers to", report.orphans_removed),
            ("Moved into place (its receipt was saved)", report.recovered),
        ):
            for name in names:
                click.echo(f"{label}: {name}")
        click.echo(
            f"Removed {len(report.temporary_removed) + len(report.orphans_removed)} file(s); "
            f"recovered {len(report.recovered)}."
        )

    @group.command("sweep-holds")
    def sweep_holds():
        """Remind participants of seats held for them, and release holds that expired."""
        reminded = remind_held_seats(get_session())
        released = release_expired_holds(get_session())
        click.echo(f"Reminded {reminded} participant(s) of a held seat; released {released} expired hold(s).")

    @group.command("send-mail")
    @click.option("--watch", is_flag=True, help="Keep running, sending due mail every --interval seconds.")
    @click.option("--interval", default=2.0, show_default=True, help="Seconds between rounds with --watch.")
    def send_mail(watch, interval):
        """Send the e-mails that are due, retrying failed ones with back-off."""
        if watch:
            click.echo(f"Sending due mail every {interval:g} s; stop with Ctrl-C.")
            try:
                watch_outbox(get_session(), interval, every_minute=_sweep_holds)
            except KeyboardInterrupt:
                return
        sent, failed = send_pending(get_session())
        click.echo(f"Sent {sent} message(s); {failed} failed and will be retried later.")

    privacy_commands.register(group)
