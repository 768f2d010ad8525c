"""Backups that restore: `regsvc backup DEST` and `regsvc restore SRC` (docs/backup.md).

A backup is a new directory, readable by its owner only:

    DEST/manifest.json       what the backup holds (written last: a backup without it is unfinished)
    DEST/database.sqlite3    SQLite: a copy made with SQLite's online backup API
    DEST/database.pgdump     PostgreSQL: `pg_dump --format=custom`
    DEST/uploads/3f/3f2a…9c.jpg   every committed upload file, laid out as in the storage

The manifest gives the schema revision, the kind of database, when the backup was made, the
rows of each table, and every file with its size and SHA-256. Both are taken while the service
runs: the database copy is of one moment (SQLite's backup runs in one read transaction; pg_dump
reads a snapshot that the row counts are taken in too), and the upload files are copied after it.

`restore` fills an empty installation from a backup: it checks every file against the manifest,
refuses a database with rows in any table or an upload storage with files, loads the database (at
the backup's schema revision; `regsvc migrate` then brings it up) and puts the files in place.

Both read and write the upload files through the installation's storage (`regsvc.storage`), so
they work alike with a local upload folder and with a bucket; a backup of one restores into the
other.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from regsvc.db import utcnow
from regsvc.migrating import known_revision, scripts
from regsvc.storage import Storage, StorageUnavailable, current_storage, is_stored_name, stored_path

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
UPLOADS = "uploads"
_CHUNK = 1024 * 1024
_UPLOAD_PATH = re.compile(r"\Auploads/([0-9a-f]{2})/([^/]+)\Z")


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, and what to do."""


@dataclass(frozen=True)
class BackupReport:
    kind: str
    revision: str
    rows: int
    files: int
    # Upload files deleted between the listing and their copy (an erasure, the retention run).
    vanished: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RestoreReport:
    kind: str
    revision: str
    rows: int
    files: int


# -- backing up -------------------------------------------------------------------------------


def make_backup(database_url: str, storage: Storage, destination: Path) -> BackupReport:
    """Copy the database, then the upload files, into `destination` (a directory not yet there)."""
    kind = _kind(database_url)
    try:
        destination.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        raise BackupError(f"{destination} already exists: give each backup a new directory.") from None
    try:
        database_file = destination / DATABASE_FILES[kind]
        if kind == "sqlite":
            revision, rows = _copy_sqlite(database_url, database_file)
        else:
            revision, rows = _dump_postgresql(database_url, database_file)
        # Only now the files. A file is committed with the transaction that records it (in a
        # folder, moved into place right after it), so every file the database copy names is
        # in place by the time they are listed (unless its process died in between;
        # `sweep-uploads` then moves it in). A file uploaded since the copy is copied too,
        # harmlessly: no row in the copy names it, and after a restore `sweep-uploads`
        # removes it.
        entries = [_entry(destination, database_file)]
        (destination / UPLOADS).mkdir(mode=0o700)
        uploads, vanished = _copy_uploads(storage, destination)
        entries += uploads
        _write_manifest(
            destination,
            {
                "format": FORMAT,
                "created_at": utcnow().isoformat(timespec="seconds"),
                "database": {"kind": kind, "revision": revision, "rows": rows},
                "files": entries,
            },
        )
    except BaseException:
        shutil.rmtree(destination, ignore_errors=True)  # never leave half a backup behind
        raise
    return BackupReport(kind, revision, sum(rows.values()), len(uploads), vanished)


def _kind(database_url: str) -> str:
    kind = make_url(database_url).get_backend_name()
    if kind not in DATABASE_FILES:
        raise BackupError(f"regsvc backs up SQLite and PostgreSQL databases, not {kind}.")
    return kind


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("The SQLite database must be a file named in DATABASE_URL (sqlite:////path/file).")
    return Path(database)


def _copy_sqlite(database_url: str, target: Path) -> tuple[str, dict[str, int]]:
    source_path = _sqlite_path(database_url)
    if not source_path.is_file():
        raise BackupError(f"There is no database at {source_path}.")
    source = sqlite3.connect(source_path, timeout=30)
    try:
        copy = sqlite3.connect(target)
        try:
            # In one step, so in one read transaction: a copy of one moment, while writers
            # carry on (the database is in WAL mode).
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one file, whatever the original's mode
        finally:
            copy.close()
    finally:
        source.close()
    os.chmod(target, 0o600)
    engine = sa.create_engine(f"sqlite:///{target}", poolclass=sa.NullPool)
    try:
        with engine.connect() as connection:
            return _contents(connection)
    finally:
        engine.dispose()


def _dump_postgresql(database_url: str, target: Path) -> tuple[str, dict[str, int]]:
    engine = sa.create_engine(database_url, poolclass=sa.NullPool)
    try:
        with (
            _connected(engine, isolation_level="REPEATABLE READ") as connection,
            connection.begin(),
        ):
            pg_dump = _client_program("pg_dump", connection)
            # pg_dump reads the snapshot of this transaction, where the rows are counted too.
            snapshot = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
            revision, rows = _contents(connection)
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    f"--dbname={_libpq_url(database_url)}",
                ],
                database_url,
            )
    finally:
        engine.dispose()
    os.chmod(target, 0o600)
    return revision, rows


def _contents(connection: sa.Connection) -> tuple[str, dict[str, int]]:
    """The schema revision and the number of rows of each table."""
    tables = sorted(sa.inspect(connection).get_table_names())
    if "alembic_version" not in tables:
        raise BackupError("The database has no regsvc schema: run `regsvc migrate` first.")
    revision = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    if revision is None:
        raise BackupError("The database has no regsvc schema: run `regsvc migrate` first.")
    return revision, {table: _count(connection, table) for table in tables}


def _count(connection: sa.Connection, table: str) -> int:
    return connection.scalar(sa.select(sa.func.count()).select_from(sa.table(table))) or 0


def _copy_uploads(storage: Storage, destination: Path) -> tuple[list[dict[str, Any]], list[str]]:
    entries: list[dict[str, Any]] = []
    vanished: list[str] = []
    for name in storage.stored_names():
        relative = f"{UPLOADS}/{stored_path(name)}"
        try:
            with storage.open(name) as source:
                entries.append(_write_file(source, destination / relative, relative))
        except FileNotFoundError:
            vanished.append(name)
    return entries, vanished


def _write_file(source, target: Path, relative: str) -> dict[str, Any]:
    """Copy an open file (anything with `read(size)`) to `target` (readable by its owner
    only); its manifest entry."""
    target.parent.mkdir(mode=0o700, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as copy:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            copy.write(chunk)
        copy.flush()
        os.fsync(copy.fileno())
    return {"path": relative, "size": size, "sha256": digest.hexdigest()}


def _entry(destination: Path, path: Path) -> dict[str, Any]:
    size, sha256 = _measure(path)
    return {"path": path.relative_to(destination).as_posix(), "size": size, "sha256": sha256}


def _measure(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _write_manifest(destination: Path, manifest: dict[str, Any]) -> None:
    partial = destination / f"{MANIFEST}.part"
    with partial.open("w", encoding="utf-8") as file:
        json.dump(manifest, file, indent=1, ensure_ascii=False)
        file.write("\n")
        file.flush()
        os.fsync(file.fileno())
    os.chmod(partial, 0o600)
    os.replace(partial, destination / MANIFEST)


# -- restoring --------------------------------------------------------------------------------


def restore_backup(source: Path, database_url: str, storage: Storage) -> RestoreReport:
    """Fill an empty installation (database and upload storage) from the backup in `source`.

    Checks everything it can before it changes anything: the manifest, every file's size and
    SHA-256, and that the database and the upload storage are empty."""
    manifest = _read_manifest(source)
    kind = _kind(database_url)
    database = manifest["database"]
    if database["kind"] != kind:
        raise BackupError(
            f"This is a backup of a {database['kind']} database; this installation uses {kind}."
        )
    if not known_revision(database["revision"]):
        raise BackupError(
            f"This backup's schema (revision {database['revision']}) is newer than this version of regsvc: "
            "install the version that made it, or a newer one, to restore it."
        )
    _verify(source, manifest["files"])
    _refuse_unless_empty(database_url, storage)

    database_file = source / DATABASE_FILES[kind]
    if kind == "sqlite":
        _load_sqlite(database_file, database_url)
    else:
        _load_postgresql(database_file, database_url)
    _check_rows(database_url, database["rows"])

    uploads = [entry for entry in manifest["files"] if entry["path"].startswith(f"{UPLOADS}/")]
    for entry in uploads:
        _restore_upload(source / entry["path"], storage)
    return RestoreReport(kind, database["revision"], sum(database["rows"].values()), len(uploads))


def _read_manifest(source: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(
            f"{source} is not a regsvc backup: it has no {MANIFEST} (an unfinished backup has none)."
        ) from None
    except (OSError, ValueError) as error:
        raise BackupError(f"{source / MANIFEST} cannot be read: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{source / MANIFEST} is not a manifest this version of regsvc reads.")
    kind = manifest["database"]["kind"]
    for entry in manifest["files"]:
        path = entry["path"]
        upload = _UPLOAD_PATH.match(path)
        fits = upload is not None and is_stored_name(upload[2]) and upload[2][:2] == upload[1]
        if not fits and path != DATABASE_FILES.get(kind):
            raise BackupError(f"{source / MANIFEST} names a file no backup holds: {path!r}.")
    return manifest


def _verify(source: Path, entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        path = source / entry["path"]
        if not path.is_file():
            raise BackupError(f"The backup is damaged: {entry['path']} is missing. Nothing was restored.")
        if _measure(path) != (entry["size"], entry["sha256"]):
            raise BackupError(
                f"The backup is damaged: {entry['path']} is not the file that was backed up (its size "
                "or SHA-256 differs). Nothing was restored."
            )


def _refuse_unless_empty(database_url: str, storage: Storage) -> None:
    files = storage.stored_names()
    if files:
        raise BackupError(
            f"The upload storage, {storage.description}, already holds {len(files)} file(s). "
            "Restore only into an empty installation. Nothing was restored."
        )
    engine = sa.create_engine(database_url, poolclass=sa.NullPool)
    try:
        with _connected(engine) as connection:
            tables = sorted(sa.inspect(connection).get_table_names())
            filled = {
                table: rows
                for table in tables
                if table != "alembic_version" and (rows := _count(connection, table))
            }
    finally:
        engine.dispose()
    if filled:
        listed = ", ".join(f"{table} ({rows} rows)" for table, rows in filled.items())
        raise BackupError(
            f"The database is not empty: {listed}. Restore only into an empty installation: a new "
            "database, or one where nothing but `regsvc migrate` has run. Nothing was restored."
        )


def _load_sqlite(database_file: Path, database_url: str) -> None:
    target_path = _sqlite_path(database_url)
    backup = sqlite3.connect(f"{database_file.resolve().as_uri()}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(target_path, timeout=30)
        try:
            # Replaces the whole database, empty tables from `regsvc migrate` included.
            backup.backup(target)
        finally:
            target.close()
    finally:
        backup.close()


def _load_postgresql(dump: Path, database_url: str) -> None:
    engine = sa.create_engine(database_url, poolclass=sa.NullPool)
    try:
        with _connected(engine) as connection, connection.begin():
            pg_restore = _client_program("pg_restore", connection)
            # Empty (checked): the tables `regsvc migrate` may have made. The dump brings its
            # own, at its own revision.
            for table in sa.inspect(connection).get_table_names():
                connection.execute(sa.text(f'DROP TABLE "{table}" CASCADE'))
    finally:
        engine.dispose()
    _run(
        [
            pg_restore,
            "--no-owner",  # the tables belong to whoever restores, not to the original's owner
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={_libpq_url(database_url)}",
            str(dump),
        ],
        database_url,
    )


def _check_rows(database_url: str, expected: dict[str, int]) -> None:
    engine = sa.create_engine(database_url, poolclass=sa.NullPool)
    try:
        with _connected(engine) as connection:
            _, rows = _contents(connection)
    finally:
        engine.dispose()
    if rows != expected:
        differences = ", ".join(
            f"{table}: {rows.get(table, 0)} rows, the backup {expected.get(table, 0)}"
            for table in sorted(set(rows) | set(expected))
            if rows.get(table, 0) != expected.get(table, 0)
        )
        raise BackupError(f"The restored database differs from the backup ({differences}).")


def _restore_upload(path: Path, storage: Storage) -> None:
    # Stored whole or not at all, as an upload is: a restore cut short leaves no half-written
    # file under a real name.
    with path.open("rb") as source:
        storage.put(path.name, source)


# -- PostgreSQL's client programs ------------------------------------------------------------


@contextmanager
def _connected(engine: sa.Engine, **options: Any) -> Iterator[sa.Connection]:
    try:
        connection = engine.connect()
    except SQLAlchemyError as error:
        url = engine.url.render_as_string(hide_password=True)
        raise BackupError(f"Cannot connect to the database {url}: {error.__cause__ or error}") from None
    with connection:
        yield connection.execution_options(**options) if options else connection


def _client_program(name: str, connection: sa.Connection) -> str:
    """The path of pg_dump or pg_restore, if it is at least as new as the server."""
    server = int(connection.scalar(sa.text("SHOW server_version_num")) or 0) // 10000
    install = (
        f"install PostgreSQL's client programs, version {server} or newer "
        f"(Debian: apt-get install postgresql-client-{server})"
    )
    program = shutil.which(name)
    if program is None:
        raise BackupError(f"{name} is not on PATH: {install}.")
    version = subprocess.run(  # noqa: S603 - a program found on PATH by its fixed name
        [program, "--version"], capture_output=True, text=True, check=False
    ).stdout
    found = re.search(r"\(PostgreSQL\) (\d+)", version)
    if found is None or int(found[1]) < server:
        raise BackupError(
            f"{program} ({version.strip()}) is older than the PostgreSQL {server} server: {install}."
        )
    return program


def _libpq_url(database_url: str) -> str:
    """The URL for libpq's programs; its password goes through the environment, not the command line."""
    url = make_url(database_url).set(drivername="postgresql", password=None)
    return url.render_as_string(hide_password=False)


def _run(command: list[str], database_url: str) -> None:
    environment = dict(os.environ)
    password = make_url(database_url).password
    if password is not None:
        environment["PGPASSWORD"] = str(password)
    # pg_dump or pg_restore with options of ours; the URL is the installation's own setting.
    finished = subprocess.run(  # noqa: S603
        command, env=environment, capture_output=True, text=True, check=False
    )
    if finished.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {finished.stderr.strip()}")


# -- commands ---------------------------------------------------------------------------------


def register(group: click.Group) -> None:
    """Add `backup` and `restore` to the `regsvc` command group."""

    @group.command("backup")
    @click.argument("destination", type=click.Path(path_type=Path))
    def backup(destination: Path):
        """Copy the database and the uploaded files into DESTINATION, a new directory.

        Safe while the service runs. Keep backups off this machine, encrypted (docs/backup.md).
        """
        try:
            report = make_backup(current_app.config["DATABASE_URL"], current_storage(), destination)
        except (BackupError, StorageUnavailable) as error:
            raise click.ClickException(str(error)) from None
        for name in report.vanished:
            click.echo(f"Deleted while the backup ran, so not in it: {name}")
        click.echo(
            f"Backed up the {_LABELS[report.kind]} database (schema revision {report.revision}, "
            f"{report.rows} rows) and {report.files} uploaded file(s) to {destination}."
        )

    @group.command("restore")
    @click.argument("source", type=click.Path(path_type=Path, exists=True, file_okay=False))
    def restore(source: Path):
        """Fill this installation, which must be empty, from the backup in SOURCE."""
        try:
            report = restore_backup(source, current_app.config["DATABASE_URL"], current_storage())
        except (BackupError, StorageUnavailable) as error:
            raise click.ClickException(str(error)) from None
        click.echo(
            f"Restored the {_LABELS[report.kind]} database (schema revision {report.revision}, "
            f"{report.rows} rows) and {report.files} uploaded file(s) from {source}."
        )
        head = scripts().get_current_head()
        if report.revision != head:
            click.echo(f"Now run `regsvc migrate` to bring the schema up to revision {head}.")
