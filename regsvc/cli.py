"""The administration commands, gathered from their packages: `regsvc …` once installed
(regsvc/__main__.py), or `flask --app wsgi regsvc …`."""

import click
from flask import Flask
from flask.cli import AppGroup

from regsvc import backup, migrating, serving
from regsvc.auth import commands as account_commands
from regsvc.claims import commands as receipt_commands
from regsvc.db import get_session
from regsvc.demo import load_demo_data
from regsvc.mail import commands as mail_commands
from regsvc.messages import commands as message_commands
from regsvc.privacy import commands as privacy_commands
from regsvc.registration import commands as seat_hold_commands
from regsvc.storage import current_storage

# An AppGroup runs each command inside the application's context. The group exists without
# an application, so that `regsvc --help` creates none.
group = AppGroup("regsvc", help="regsvc administration.")


def every_minute() -> None:
    """The timed work that `send-mail --watch` does once a minute."""
    seat_hold_commands.sweep_holds()
    message_commands.send_reminders()


@group.command("demo")
def demo():
    """Create the demo events, staff accounts and travel claims (idempotent)."""
    for line in load_demo_data(get_session(), current_storage()):
        click.echo(line)


migrating.register(group)
backup.register(group)
account_commands.register(group)
receipt_commands.register(group)
seat_hold_commands.register(group)
message_commands.register(group)
mail_commands.register(group, every_minute=every_minute)
privacy_commands.register(group)
serving.register(group)


def init_app(app: Flask) -> None:
    app.cli.add_command(group)
