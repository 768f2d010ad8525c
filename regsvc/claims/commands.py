"""`regsvc sweep-uploads`: tidying the receipt files."""

from datetime import timedelta

import click

from regsvc.claims.receipts import referenced_upload_names
from regsvc.db import get_session
from regsvc.storage import current_storage


def register(group: click.Group) -> None:
    """Add the receipt-file commands to the `regsvc` command group."""

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
