"""`flask --app wsgi regsvc …` commands."""

from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app

from regsvc.db import get_session
from regsvc.demo import load_demo_data
from regsvc.mail.services import send_pending
from regsvc.mail.services import watch as watch_outbox

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


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
        """Create the demo events (idempotent)."""
        for line in load_demo_data(get_session()):
            click.echo(line)

    @group.command("send-mail")
    @click.option("--watch", is_flag=True, help="Keep running, sending due mail every --interval seconds.")
    @click.option("--interval", default=2.0, show_default=True, help="Seconds between rounds with --watch.")
    def send_mail(watch, interval):
        """Send the e-mails that are due, retrying failed ones with back-off."""
        if watch:
            click.echo(f"Sending due mail every {interval:g} s; stop with Ctrl-C.")
            try:
                watch_outbox(get_session(), interval)
            except KeyboardInterrupt:
                return
        sent, failed = send_pending(get_session())
        click.echo(f"Sent {sent} message(s); {failed} failed and will be retried later.")
