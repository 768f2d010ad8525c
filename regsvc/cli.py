"""`flask --app wsgi regsvc …` commands."""

from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app

from regsvc.db import get_session
from regsvc.demo import load_demo_data
from regsvc.mail.services import send_pending

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
    def send_mail():
        """Send the e-mails that are due, retrying failed ones with back-off."""
        sent, failed = send_pending(get_session())
        click.echo(f"Sent {sent} message(s); {failed} failed and will be retried later.")
