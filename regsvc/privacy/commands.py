"""`flask --app wsgi regsvc retention`: the daily run of the retention periods."""

import click

from regsvc.db import get_session
from regsvc.limits import forget_old
from regsvc.privacy.services import RetentionPeriods, apply_retention
from regsvc.storage import current_storage


def register(group: click.Group) -> None:
    """Add the privacy commands to the `regsvc` command group."""

    @group.command("retention")
    def retention():
        """Anonymise personal data past its retention period (run daily)."""
        periods = RetentionPeriods.from_settings()
        report = apply_retention(get_session(), current_storage())
        click.echo(
            f"Anonymised {report.registrations} registration(s) without a claim "
            f"{periods.days_after_event} days after their event, deleting {report.drafts} draft claim(s)."
        )
        click.echo(
            f"Anonymised {report.claims} claim(s) {periods.audit_years} years after their event "
            "(the audit period), with their registrations."
        )
        click.echo(f"Deleted {report.files} receipt file(s).")
        # Rate-limit counters hold client addresses: a day is all they are needed for.
        click.echo(f"Removed {forget_old(get_session())} rate-limit counter(s) of past days.")
