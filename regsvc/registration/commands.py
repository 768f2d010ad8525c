"""`regsvc sweep-holds`: the seat holds' timed work."""

import click

from regsvc.db import get_session
from regsvc.registration.services import release_expired_holds, remind_held_seats


def sweep_holds() -> tuple[int, int]:
    """Remind participants of seats held for them and release expired holds; returns
    (reminded, released). Also run every minute by `send-mail --watch`."""
    reminded = remind_held_seats(get_session())
    released = release_expired_holds(get_session())
    return reminded, released


def register(group: click.Group) -> None:
    """Add the seat-hold commands to the `regsvc` command group."""

    @group.command("sweep-holds")
    def sweep_holds_command():
        """Remind participants of seats held for them, and release holds that expired."""
        reminded, released = sweep_holds()
        click.echo(f"Reminded {reminded} participant(s) of a held seat; released {released} expired hold(s).")
