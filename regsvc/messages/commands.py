"""`regsvc send-reminders`: the reminders before events."""

import click

from regsvc.db import get_session
from regsvc.messages.reminders import send_due_reminders


def send_reminders() -> int:
    """Write the reminders that are due to the outbox; returns how many. Also run every
    minute by `send-mail --watch`."""
    return send_due_reminders(get_session())


def register(group: click.Group) -> None:
    """Add the reminder command to the `regsvc` command group."""

    @group.command("send-reminders")
    def send_reminders_command():
        """Write the reminders that are due before events to the outbox."""
        click.echo(f"Wrote {send_reminders()} reminder(s) to the outbox.")
