"""The database schema's migrations (Alembic), and `regsvc migrate`."""

from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import current_app

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def register(group: click.Group) -> None:
    """Add the schema commands to the `regsvc` command group."""

    @group.command("migrate")
    def migrate():
        """Bring the database schema up to date."""
        command.upgrade(alembic_config(current_app.config["DATABASE_URL"]), "head")
        click.echo("Database schema is up to date.")
