"""Uploaded files in a local folder (the UPLOAD_FOLDER setting), for one machine.

A file is first written to `tmp/<name>.part` and moved to `<first two letters>/<name>` only when
the database transaction that records it commits, so a failed upload leaves neither a file nor
a half-saved row. The move is atomic (one file system). A process that dies between the commit
and the move leaves the file in `tmp/`; `sweep` moves it into place.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from regsvc.storage.base import (
    SWEEP_AFTER,
    OpenedFile,
    StagedFile,
    Storage,
    SweepReport,
    checked_name,
    is_stored_name,
    stored_path,
)

TEMPORARY_FOLDER = "tmp"
_TEMPORARY_SUFFIX = ".part"
_CHUNK = 1024 * 1024


class LocalStorage(Storage):
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.temporary_folder = self.root / TEMPORARY_FOLDER
        self.description = f"the upload folder {self.root}"

    def path(self, name: str) -> Path:
        """The path of a committed file; refuses anything that is not a name made here."""
        return self.root / stored_path(name)

    def temporary_path(self, name: str) -> Path:
        return self.temporary_folder / f"{checked_name(name)}{_TEMPORARY_SUFFIX}"

    # -- writing ----------------------------------------------------------------------

    def stage(self, data: bytes, extension: str) -> StagedFile:
        """Write `data` under a temporary name, readable by this process's user only."""
        staged = StagedFile(self, self.new_name(extension))
        self._write_temporary(staged.name, lambda file: file.write(data))
        return staged

    def _write_temporary(self, name: str, write: Callable[[BinaryIO], object]) -> Path:
        """A new temporary file for `name`, written by `write` and on disk when this returns."""
        path = self.temporary_path(name)
        self.temporary_folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as file:
                write(file)
                file.flush()
                # On disk before the database says it exists.
                os.fsync(file.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path

    def commit(self, staged: StagedFile) -> str:
        """Move a staged file to its final name (atomic: same file system)."""
        final = self.path(staged.name)
        final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.replace(self.temporary_path(staged.name), final)
        return staged.name

    def discard(self, staged: StagedFile) -> None:
        self.temporary_path(staged.name).unlink(missing_ok=True)

    def put(self, name: str, source: BinaryIO) -> None:
        def copy(file: BinaryIO) -> None:
            while chunk := source.read(_CHUNK):
                file.write(chunk)

        self._write_temporary(name, copy)
        self.commit(StagedFile(self, name))

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def writable(self) -> bool:
        """A read-only or full disk, or a root that is not a folder, says no."""
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

    def open(self, name: str) -> OpenedFile:
        file = self.path(name).open("rb")
        status = os.fstat(file.fileno())
        return OpenedFile(file, status.st_size, datetime.fromtimestamp(status.st_mtime, UTC))

    def stored_names(self) -> list[str]:
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
        """Temporary files are removed, except one whose name the database knows and whose
        final file is missing: its transaction committed and the process died before the
        move, so it is moved into place instead."""
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
