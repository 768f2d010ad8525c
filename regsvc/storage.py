"""Where uploaded files live: a local folder (the UPLOAD_FOLDER setting), never served statically.

Every file gets a name made here: 128 random bits in hex plus an extension we chose
("3f2a…9c.jpg"); what the uploader called it is never part of a path. A file is first
written to `tmp/<name>.part` and moved to `<first two letters>/<name>` only when the
database transaction that records it commits (`place_on_commit`), so a failed upload
leaves neither a file nor a half-saved row. `sweep` tidies what a crash left behind.

    staged = storage.stage(data, "jpg")
    place_on_commit(session, staged)
    receipt.stored_name = staged.name      # in the same transaction
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

EXTENSIONS = frozenset({"jpg", "pdf"})
_NAME = re.compile(r"\A[0-9a-f]{32}\.(?:jpg|pdf)\Z")
TEMPORARY_FOLDER = "tmp"
_TEMPORARY_SUFFIX = ".part"
# An upload's transaction lasts seconds; anything older is left over from a crash.
SWEEP_AFTER = timedelta(hours=1)
_SESSION_KEY = "regsvc_staged_files"


class BadStoredName(ValueError):
    """A name that this module did not make (a path, `..`, another extension…)."""


def is_stored_name(name: object) -> bool:
    return isinstance(name, str) and _NAME.match(name) is not None


@dataclass(frozen=True)
class StagedFile:
    """A file written under its temporary name, waiting for `Storage.commit` or `Storage.discard`."""

    storage: Storage
    name: str  # the name it will have once committed; store this in the database

    @property
    def temporary_path(self) -> Path:
        return self.storage.temporary_path(self.name)


@dataclass
class SweepReport:
    temporary_removed: list[str] = field(default_factory=list)
    orphans_removed: list[str] = field(default_factory=list)
    # Committed to the database, but the move after the commit did not happen (a crash).
    recovered: list[str] = field(default_factory=list)


class Storage:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.temporary_folder = self.root / TEMPORARY_FOLDER

    # -- names and paths ------------------------------------------------------------

    @staticmethod
    def new_name(extension: str) -> str:
        if extension not in EXTENSIONS:
            raise ValueError(f"not a stored extension: {extension!r}")
        return f"{secrets.token_hex(16)}.{extension}"

    def relative_path(self, name: str) -> str:
        """Where a stored file is, below the root: "3f/3f2a…9c.jpg" (PDF rendering refers to it so)."""
        if not is_stored_name(name):
            raise BadStoredName(repr(name)[:80])
        return f"{name[:2]}/{name}"

    def path(self, name: str) -> Path:
        """The path of a committed file; refuses anything that is not a name made here."""
        return self.root / self.relative_path(name)

    def temporary_path(self, name: str) -> Path:
        if not is_stored_name(name):
            raise BadStoredName(repr(name)[:80])
        return self.temporary_folder / f"{name}{_TEMPORARY_SUFFIX}"

    # -- writing ----------------------------------------------------------------------

    def stage(self, data: bytes, extension: str) -> StagedFile:
        """Write `data` under a temporary name, readable by this process's user only."""
        staged = StagedFile(self, self.new_name(extension))
        self.temporary_folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(staged.temporary_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
                file.flush()
                # On disk before the database says it exists.
                os.fsync(file.fileno())
        except BaseException:
            staged.temporary_path.unlink(missing_ok=True)
            raise
        return staged

    def commit(self, staged: StagedFile) -> str:
        """Move a staged file to its final name (atomic: same file system)."""
        final = self.path(staged.name)
        final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.replace(staged.temporary_path, final)
        return staged.name

    def discard(self, staged: StagedFile) -> None:
        staged.temporary_path.unlink(missing_ok=True)

    def delete(self, name: str) -> None:
        """Remove a committed file (erasure, a receipt removed from a draft claim)."""
        self.path(name).unlink(missing_ok=True)

    def writable(self) -> bool:
        """Whether a file can be written here now (a health check): a read-only or full disk,
        or a root that is not a folder, says no."""
        try:
            self.temporary_folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            probe = self.temporary_folder / f"health-{secrets.token_hex(8)}{_TEMPORARY_SUFFIX}"
            try:
                probe.write_bytes(b"ok")
            finally:
                probe.unlink(missing_ok=True)
        except OSError:
            return False
        return True

    # -- reading ----------------------------------------------------------------------

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def open(self, name: str) -> BinaryIO:
        return self.path(name).open("rb")

    def read(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def stored_names(self) -> list[str]:
        """Names of all committed files."""
        if not self.root.is_dir():
            return []
        return sorted(path.name for path in self.root.glob("??/*") if self._is_committed_file(path))

    def _is_committed_file(self, path: Path) -> bool:
        return is_stored_name(path.name) and path.parent.name == path.name[:2] and path.is_file()

    # -- tidying ----------------------------------------------------------------------

    def sweep(
        self,
        known_names: Collection[str] | None = None,
        *,
        older_than: timedelta = SWEEP_AFTER,
        now: float | None = None,
    ) -> SweepReport:
        """Remove what failed uploads and crashes left behind, if older than `older_than`.

        Temporary files are removed, except one whose name the database knows and whose
        final file is missing: its transaction committed and the process died before the
        move, so it is moved into place instead. With `known_names` (every name the
        database refers to), committed files that no row refers to are removed too.
        Files whose names were not made here are left alone.
        """
        report = SweepReport()
        deadline = (time.time() if now is None else now) - older_than.total_seconds()
        known = set(known_names) if known_names is not None else None

        def old(path: Path) -> bool:
            try:
                return path.stat().st_mtime < deadline
            except FileNotFoundError:  # removed meanwhile by another process
                return False

        if self.temporary_folder.is_dir():
            for path in sorted(self.temporary_folder.iterdir()):
                name = path.name.removesuffix(_TEMPORARY_SUFFIX)
                if not path.name.endswith(_TEMPORARY_SUFFIX) or not is_stored_name(name) or not old(path):
                    continue
                if known is not None and name in known and not self.exists(name):
                    self.commit(StagedFile(self, name))
                    report.recovered.append(name)
                else:
                    path.unlink(missing_ok=True)
                    report.temporary_removed.append(name)
        if known is not None:
            for name in self.stored_names():
                if name not in known and old(self.path(name)):
                    self.delete(name)
                    report.orphans_removed.append(name)
        return report


def current_storage() -> Storage:
    """The storage of the current app (its UPLOAD_FOLDER)."""
    return Storage(current_app.config["UPLOAD_FOLDER"])


# -- moving files with the database transaction --------------------------------------


def place_on_commit(session: Session, *staged_files: StagedFile) -> None:
    """Move these staged files into place when `session` commits; delete them if it does not.

    Call it inside the transaction that records their names. Outcomes are decided by the
    outermost transaction: a rolled-back savepoint does not discard them.
    """
    session.info.setdefault(_SESSION_KEY, []).extend(staged_files)


@event.listens_for(Session, "after_commit")
def _place_staged_files(session: Session) -> None:
    for staged in session.info.pop(_SESSION_KEY, []):
        try:
            staged.storage.commit(staged)
        except OSError:
            # The row is committed; `sweep` moves the temporary file into place later.
            log.exception("could not move committed upload %s into place", staged.name)


@event.listens_for(Session, "after_transaction_end")
def _discard_staged_files(session: Session, transaction: SessionTransaction) -> None:
    # After a commit, the list was emptied by _place_staged_files; whatever is left at
    # the end of the outermost transaction was rolled back (or the session closed).
    if transaction.parent is not None:
        return
    for staged in session.info.pop(_SESSION_KEY, []):
        staged.storage.discard(staged)
