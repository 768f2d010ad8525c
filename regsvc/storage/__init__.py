"""Where uploaded files live: a local folder (UPLOAD_FOLDER, `local.py`) for one machine, or an
S3-compatible bucket (STORAGE_URL, `bucket.py`) that several app servers share. Never served
statically: the app reads a file through the storage and sends it with its own headers.

A file and the database row that names it exist together or not at all. A file is staged in
the transaction that records its name, and the transaction's end decides: committed, the file
is committed too; rolled back (or the session closed), it is discarded.

    storage = current_storage()
    staged = storage.stage(data, "jpg")
    place_on_commit(session, staged)
    receipt.stored_name = staged.name      # in the same transaction

`Storage.sweep` (`regsvc sweep-uploads`) tidies what a crash left between the two.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from regsvc.storage.base import (
    SWEEP_AFTER,
    BadStoredName,
    OpenedFile,
    StagedFile,
    Storage,
    StorageUnavailable,
    SweepReport,
    is_stored_name,
    stored_path,
)
from regsvc.storage.local import LocalStorage

__all__ = [
    "SWEEP_AFTER",
    "BadStoredName",
    "LocalStorage",
    "OpenedFile",
    "StagedFile",
    "Storage",
    "StorageUnavailable",
    "SweepReport",
    "current_storage",
    "is_stored_name",
    "place_on_commit",
    "storage_from_settings",
    "stored_path",
]

log = logging.getLogger(__name__)

_SESSION_KEY = "regsvc_staged_files"
_EXTENSION = "regsvc.storage"
_SETTINGS = ("STORAGE_URL", "STORAGE_ACCESS_KEY_ID", "STORAGE_SECRET_ACCESS_KEY", "UPLOAD_FOLDER")


def storage_from_settings(config: Mapping[str, Any]) -> Storage:
    """The bucket STORAGE_URL names, or else the folder UPLOAD_FOLDER; a STORAGE_URL that cannot
    be used raises `bucket.StorageSettingError`, saying why. Nothing is connected to yet."""
    if not config["STORAGE_URL"]:
        return LocalStorage(config["UPLOAD_FOLDER"])
    # boto3 takes a while to import: only installations with a bucket pay for it.
    from regsvc.storage.bucket import BucketStorage

    return BucketStorage.from_settings(config)


def current_storage() -> Storage:
    """The storage of the current app, made once per process and settings (a bucket's client
    is costly to make, and is not to be shared with a forked process)."""
    key = (os.getpid(), *(current_app.config[name] for name in _SETTINGS))
    made = current_app.extensions.get(_EXTENSION)
    if made is None or made[0] != key:
        made = (key, storage_from_settings(current_app.config))
        current_app.extensions[_EXTENSION] = made
    return made[1]


# -- the transaction decides --------------------------------------------------------------


def place_on_commit(session: Session, *staged_files: StagedFile) -> None:
    """Commit these staged files when `session` commits; discard them if it does not.

    Call it inside the transaction that records their names. Outcomes are decided by the
    outermost transaction: a rolled-back savepoint does not discard them.
    """
    session.info.setdefault(_SESSION_KEY, []).extend(staged_files)


@event.listens_for(Session, "after_commit")
def _commit_staged_files(session: Session) -> None:
    for staged in session.info.pop(_SESSION_KEY, []):
        try:
            staged.storage.commit(staged)
        except OSError:
            # The row is committed; `sweep` puts the staged file in place later.
            log.exception("could not put committed upload %s in place", staged.name)


@event.listens_for(Session, "after_transaction_end")
def _discard_staged_files(session: Session, transaction: SessionTransaction) -> None:
    # After a commit, the list was emptied by _commit_staged_files; whatever is left at
    # the end of the outermost transaction was rolled back (or the session closed).
    if transaction.parent is not None:
        return
    for staged in session.info.pop(_SESSION_KEY, []):
        try:
            staged.storage.discard(staged)
        except OSError:
            # No row names it; `sweep` removes it later. The transaction's own error, if it
            # had one, is what the caller must see.
            log.exception("could not discard upload %s", staged.name)
