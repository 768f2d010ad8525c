"""A worker killed (kill -9) in the middle of an upload, on each storage: before its transaction
commits, nothing is committed and `sweep-uploads` removes its files once they are old; after
the commit, the receipt's files are kept, and found at once in a bucket (the commit alone
decides) or put in place by `sweep-uploads` in a folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from regsvc.claims.drafting import open_claim
from regsvc.claims.models import Receipt
from regsvc.events.fares import parse_fares, replace_fares
from regsvc.storage import current_storage
from tests.conftest import fresh
from tests.storage.helpers import age_everything, everything_in

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def claim_id(session, make_event, make_registration) -> int:
    """A draft claim of an on-site participant from Niš."""
    event = make_event(host_town="Belgrade", onsite_capacity=5)
    replace_fares(session, event, parse_fares("Niš, 3600", "RSD"), None)
    return open_claim(session, make_registration(event, departure_town="Niš").registration).id


def killed_at(app, moment: str, claim_id: int, log: Path) -> None:
    """Run the worker on the test's database and storage until `moment`, then kill -9 it."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("REGSVC_")}
    settings = (
        "DATABASE_URL",
        "UPLOAD_FOLDER",
        "STORAGE_URL",
        "STORAGE_ACCESS_KEY_ID",
        "STORAGE_SECRET_ACCESS_KEY",
    )
    env.update({f"REGSVC_{name}": str(app.config[name]) for name in settings}, REGSVC_ENV="testing")
    with (
        log.open("wb") as output,
        subprocess.Popen(
            [sys.executable, "-m", "tests.storage.worker", moment, str(claim_id)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=output,
        ) as worker,
    ):
        try:
            assert worker.stdout is not None
            reached = worker.stdout.readline().decode().strip()
            assert reached == moment, log.read_text()
            worker.send_signal(signal.SIGKILL)
            assert worker.wait(timeout=60) == -signal.SIGKILL
        finally:
            if worker.poll() is None:
                worker.kill()


def receipts(session) -> list[Receipt]:
    fresh(session)
    return list(session.scalars(select(Receipt)))


def test_killed_before_its_transaction_commits_nothing_is_kept(app, session, runner, claim_id, tmp_path):
    storage = current_storage()
    killed_at(app, "before-commit", claim_id, tmp_path / "worker.log")

    assert receipts(session) == []
    left = everything_in(storage)
    assert len(left) == 2  # the photo and its thumbnail, staged
    # An upload may still be under way: young files are left alone.
    young = runner.invoke(args=["regsvc", "sweep-uploads"])
    assert young.exit_code == 0 and "Removed 0 file(s)" in young.output
    assert everything_in(storage) == left

    age_everything(storage)
    swept = runner.invoke(args=["regsvc", "sweep-uploads"])
    assert swept.exit_code == 0, swept.output
    assert "Removed 2 file(s); recovered 0." in swept.output
    assert everything_in(storage) == []


def test_killed_after_its_transaction_commits_the_receipt_keeps_its_files(
    app, session, runner, claim_id, tmp_path, storage_kind
):
    storage = current_storage()
    killed_at(app, "after-commit", claim_id, tmp_path / "worker.log")

    [receipt] = receipts(session)
    names = sorted([receipt.stored_name, receipt.thumbnail_name])
    # In a bucket, the files are where they belong from the moment the row is committed.
    assert [storage.exists(name) for name in names] == [storage_kind == "bucket"] * 2

    age_everything(storage)
    swept = runner.invoke(args=["regsvc", "sweep-uploads"])
    assert swept.exit_code == 0, swept.output
    recovered = 2 if storage_kind == "folder" else 0
    assert f"Removed 0 file(s); recovered {recovered}." in swept.output
    assert storage.stored_names() == names
    assert sorted(everything_in(storage)) == sorted(f"{name[:2]}/{name}" for name in names)
    assert storage.read(receipt.stored_name).startswith(b"\xff\xd8")  # a JPEG, whole
