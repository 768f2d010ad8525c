"""`regsvc send-mail`: the outbox's sender."""

import signal
import threading
from collections.abc import Callable

import click

from regsvc.db import get_session
from regsvc.mail.services import send_pending
from regsvc.mail.services import watch as watch_outbox


def register(group: click.Group, every_minute: Callable[[], object] | None = None) -> None:
    """Add send-mail to the `regsvc` command group; `every_minute` is other timed work that
    `send-mail --watch` runs once a minute (it keeps running anyway)."""

    @group.command("send-mail")
    @click.option("--watch", is_flag=True, help="Keep running, sending due mail every --interval seconds.")
    @click.option("--interval", default=2.0, show_default=True, help="Seconds between rounds with --watch.")
    def send_mail(watch, interval):
        """Send the e-mails that are due, retrying failed ones with back-off.

        With --watch it keeps running through database and mail server failures, and stops
        on SIGTERM or Ctrl-C once the message in hand is sent."""
        if watch:
            stop = threading.Event()

            def request_stop(signum, frame):
                # Only the flag: the message in hand is finished, then watch() returns. Set
                # from a thread of its own: the handler runs in the main thread, which may be
                # holding the event's lock at that moment (inside stop.wait()).
                threading.Thread(target=stop.set).start()

            signal.signal(signal.SIGTERM, request_stop)
            signal.signal(signal.SIGINT, request_stop)
            click.echo(f"Sending due mail every {interval:g} s; stop with Ctrl-C or SIGTERM.")
            watch_outbox(get_session(), interval, stop=stop, every_minute=every_minute)
            click.echo("Stopped.")
            return
        sent, failed = send_pending(get_session())
        click.echo(f"Sent {sent} message(s); {failed} failed and will be retried later.")
