"""`flask regsvc sweep-uploads`: keeps every file a receipt refers to, removes the rest."""

import os
import time

from regsvc.storage import LocalStorage


def test_sweep_uploads_keeps_receipt_files_and_removes_strays(app, runner, submitted):
    claim = submitted(amounts=(190000,))
    receipt = claim.receipts[0]
    storage = LocalStorage(app.config["UPLOAD_FOLDER"])
    orphan = storage.commit(storage.stage(b"a receipt removed while its file could not be", "jpg"))
    stray = storage.stage(b"an upload whose transaction failed", "jpg")
    in_progress = storage.stage(b"an upload happening now", "jpg")
    two_hours_ago = time.time() - 2 * 3600
    for path in [storage.path(name) for name in storage.stored_names()] + [
        storage.temporary_path(stray.name)
    ]:
        os.utime(path, (two_hours_ago, two_hours_ago))

    result = runner.invoke(args=["regsvc", "sweep-uploads"])

    assert result.exit_code == 0, result.output
    assert f"Removed file no receipt refers to: {orphan}" in result.output
    assert f"Removed unfinished upload: {stray.name}" in result.output
    assert "Removed 2 file(s); recovered 0." in result.output
    assert sorted(storage.stored_names()) == sorted([receipt.stored_name, receipt.thumbnail_name])
    assert storage.temporary_path(in_progress.name).exists()


def test_sweep_uploads_refuses_a_nonsense_age(runner):
    result = runner.invoke(args=["regsvc", "sweep-uploads", "--older-than", "0"])
    assert result.exit_code != 0 and "0 is not in the range x>=1" in result.output
