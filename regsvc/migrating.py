"""The database schema's migrations (Alembic): `regsvc migrate`, `regsvc downgrade`, and the
guard that keeps a downgrade from dropping data by accident.

A downgrade that drops tables or columns calls `refuse_to_drop_data` first. If any of them
still holds data, it raises `DataLossRefused`, naming each with its row count, unless the
run is forced: `regsvc downgrade REVISION --force`, or `alembic -x force=yes downgrade …`.
Every run of the migrations is one transaction (migrations/env.py), so a refusal, or any
other failure, leaves the database at the revision it started from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import click
import sqlalchemy as sa
from alembic import command, op
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app

from regsvc import layout

# Set by `regsvc downgrade --force`; `alembic -x force=yes` says the same.
FORCE_ATTRIBUTE = "regsvc.force"
_YES = frozenset({"1", "true", "yes", "on"})


def alembic_config(database_url: str, *, force: bool = False) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(layout.MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes[FORCE_ATTRIBUTE] = force
    return config


def scripts() -> ScriptDirectory:
    """The revisions in migrations/versions/."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(layout.MIGRATIONS))
    return ScriptDirectory.from_config(config)


def known_revision(revision: str) -> bool:
    """Whether `revision` is one of this version's revisions (not a newer one's)."""
    try:
        return scripts().get_revision(revision) is not None
    except CommandError:
        return False


class DowngradeRefused(RuntimeError):
    """A downgrade that would lose what cannot be made up again; the message says what to do."""


class DataLossRefused(DowngradeRefused):
    """A downgrade that would drop tables or columns holding data, not forced."""


def refuse_to_drop_data(
    revision: str, *, tables: Iterable[str] = (), columns: Mapping[str, Iterable[str]] | None = None
) -> None:
    """Call first in the downgrade of `revision`, naming every table and column it drops.

    Raises DataLossRefused when any of them holds data (a table with rows, a column with a
    value in some row), unless the run is forced.
    """
    context = op.get_context()
    if context.as_sql or _forced(context.config):  # offline mode (--sql) sees no data
        return
    connection = op.get_bind()
    losses = []
    for table in tables:
        rows = connection.scalar(sa.select(sa.func.count()).select_from(sa.table(table)))
        if rows:
            losses.append(f"table {table} ({_rows(rows)})")
    for table, names in (columns or {}).items():
        for name in names:
            values = connection.scalar(sa.select(sa.func.count(sa.column(name))).select_from(sa.table(table)))
            if values:
                losses.append(f"column {table}.{name} ({_rows(values)} with a value)")
    if losses:
        raise DataLossRefused(
            f"Downgrading {revision} would drop {', '.join(losses)}. Nothing was changed. "
            "Make a backup first (regsvc backup), then add --force to drop them anyway "
            "(with the alembic command: alembic -x force=yes downgrade …)."
        )


def _rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count} rows"


def _forced(config: AlembicConfig | None) -> bool:
    if config is None:
        return False
    if config.attributes.get(FORCE_ATTRIBUTE):
        return True
    x_arguments = getattr(config.cmd_opts, "x", None) or []
    options = dict(argument.partition("=")[::2] for argument in x_arguments)
    return options.get("force", "").strip().lower() in _YES


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str, *, force: bool = False) -> None:
    command.downgrade(alembic_config(database_url, force=force), revision)


def register(group: click.Group) -> None:
    """Add the schema commands to the `regsvc` command group."""

    @group.command("migrate")
    def migrate():
        """Bring the database schema up to date."""
        upgrade(current_app.config["DATABASE_URL"])
        click.echo("Database schema is up to date.")

    @group.command("downgrade")
    @click.argument("revision")
    @click.option("--force", is_flag=True, help="Drop tables and columns even if they hold data.")
    def downgrade_command(revision, force):
        """Take the database schema back to REVISION (e.g. 0011; "base" removes everything).

        Refuses, changing nothing, when that would drop a table or column holding data,
        unless --force is given. Make a backup first.
        """
        try:
            downgrade(current_app.config["DATABASE_URL"], revision, force=force)
        except (DowngradeRefused, CommandError) as refused:
            raise click.ClickException(str(refused)) from None
        click.echo(f"Database schema is at revision {revision}.")
