"""What every storage of uploaded files does, whichever place it keeps them in.

Names are made here: 128 random bits in hex plus an extension we chose ("3f2a…9c.jpg"); what
the uploader called a file is never part of where it is kept. Both storages lay files out the
same way, below a folder or a key prefix: `<first two letters>/<name>` (`stored_path`).
"""

from __future__ import annotations

import re
import secrets
from abc import ABC, abstractmethod
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import BinaryIO

EXTENSIONS = frozenset({"jpg", "pdf"})
_NAME = re.compile(r"\A[0-9a-f]{32}\.(?:jpg|pdf)\Z")
# An upload's transaction lasts seconds; anything older is left over from a crash.
SWEEP_AFTER = timedelta(hours=1)


class BadStoredName(ValueError):
    """A name that this module did not make (a path, `..`, another extension…)."""


class StorageUnavailable(OSError):
    """The storage cannot be reached or refused the request (a bucket's server is down, the
    credentials are wrong…). The message names the storage, never its credentials."""


def is_stored_name(name: object) -> bool:
    return isinstance(name, str) and _NAME.match(name) is not None


def checked_name(name: object) -> str:
    """`name` if this module made it; BadStoredName otherwise."""
    if not isinstance(name, str) or not is_stored_name(name):
        raise BadStoredName(repr(name)[:80])
    return name


def stored_path(name: str) -> str:
    """Where a stored file is, below the storage's folder or prefix: "3f/3f2a…9c.jpg"."""
    name = checked_name(name)
    return f"{name[:2]}/{name}"


@dataclass(frozen=True)
class StagedFile:
    """A file written but not yet part of what the database records: `Storage.commit` makes it
    so once the transaction that names it has committed, `Storage.discard` removes it."""

    storage: Storage
    name: str  # the name it will have once committed; store this in the database


@dataclass
class SweepReport:
    temporary_removed: list[str] = field(default_factory=list)
    orphans_removed: list[str] = field(default_factory=list)
    # Committed to the database, but the move after the commit did not happen (a crash).
    recovered: list[str] = field(default_factory=list)


@dataclass
class OpenedFile:
    """A stored file opened for reading: its bytes as a stream, with its size and when it was
    stored. Close it (or use it in a `with`) once read."""

    stream: BinaryIO
    size: int
    modified: datetime

    def read(self, size: int = -1) -> bytes:
        return self.stream.read(size)

    def close(self) -> None:
        self.stream.close()

    def __enter__(self) -> OpenedFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


class Storage(ABC):
    """Uploaded files: a local folder (`regsvc.storage.local`) or a bucket (`regsvc.storage.bucket`).

    Writing goes through staging (`stage`, then `commit` or `discard`, called by
    `regsvc.storage.place_on_commit` as the database transaction ends), so that a file and the
    row that names it exist together or not at all; `sweep` tidies what a crash left between
    the two. Every method refuses a name this module did not make (BadStoredName). Reading a
    file that is not there raises FileNotFoundError; a storage that cannot be reached raises
    another OSError (StorageUnavailable for a bucket).
    """

    # Where the files are, for messages: "the upload folder /srv/uploads", "the bucket s3://…".
    description: str

    @staticmethod
    def new_name(extension: str) -> str:
        if extension not in EXTENSIONS:
            raise ValueError(f"not a stored extension: {extension!r}")
        return f"{secrets.token_hex(16)}.{extension}"

    # -- writing ----------------------------------------------------------------------

    @abstractmethod
    def stage(self, data: bytes, extension: str) -> StagedFile:
        """Write `data` under a new name, not yet committed (nothing reads it before its row)."""

    @abstractmethod
    def commit(self, staged: StagedFile) -> str:
        """Make a staged file the committed file of its name (after its row has committed)."""

    @abstractmethod
    def discard(self, staged: StagedFile) -> None:
        """Remove a staged file whose transaction did not commit."""

    @abstractmethod
    def put(self, name: str, source: BinaryIO) -> None:
        """Store a file under a name made earlier (a restore), committed at once: a file cut
        short is never found under the name."""

    @abstractmethod
    def delete(self, name: str) -> None:
        """Remove a committed file (erasure, a receipt removed from a draft claim); no error
        when it is not there."""

    @abstractmethod
    def writable(self) -> bool:
        """Whether a file can be written now (a health check); never raises."""

    # -- reading ----------------------------------------------------------------------

    @abstractmethod
    def exists(self, name: str) -> bool: ...

    @abstractmethod
    def open(self, name: str) -> OpenedFile: ...

    def read(self, name: str) -> bytes:
        with self.open(name) as opened:
            return opened.read()

    @abstractmethod
    def stored_names(self) -> list[str]:
        """Names of all files in place, sorted: the committed ones (and, in a bucket, those
        staged by transactions under way, which no row names yet)."""

    # -- tidying ----------------------------------------------------------------------

    @abstractmethod
    def sweep(
        self,
        known_names: Collection[str] | None = None,
        *,
        older_than: timedelta = SWEEP_AFTER,
        now: float | None = None,
    ) -> SweepReport:
        """Remove what failed uploads and crashes left behind, if older than `older_than`
        (at `now`, in seconds since the epoch; by default the storage's own clock).

        With `known_names` (every name the database refers to), files that no row refers to
        are removed, and a file whose row committed but that was never committed is put in
        place. Files whose names were not made here are left alone.
        """
