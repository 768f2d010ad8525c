"""Backups that restore: made while participants register and upload receipts, restored into an
empty installation, compared row by row and file by file (on the suite's database: SQLite, or
PostgreSQL when REGSVC_TEST_DATABASE_URL names one)."""

from __future__ import annotations

import json
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import sqlalchemy as sa
from flask.cli import AppGroup
from sqlalchemy import create_engine

from regsvc import backup, create_app
from regsvc.backup import BackupError, make_backup, restore_backup
from regsvc.claims.drafting import add_receipt, open_claim
from regsvc.claims.models import ExpenseKind
from regsvc.claims.receipts import process_upload
from regsvc.events.fares import parse_fares, replace_fares
from regsvc.migrating import scripts, upgrade
from regsvc.registration.models import Attendance
from regsvc.registration.services import register
from regsvc.storage import LocalStorage, Storage, current_storage, storage_from_settings, stored_path
from tests.claims.corpus import image_bytes, marked_picture
from tests.conftest import details
from tests.ops.conftest import ON_POSTGRESQL, current_revision
from tests.ops.history import changed_values, insert_rows, rows_by_key
from tests.storage import s3 as s3_server
from tests.storage.s3 import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, keys_in, storage_url

# The S3 API server's fixtures (tests/storage/s3.py), for the backups of a bucket.
s3_endpoint, s3, bucket, bucket_settings = (
    s3_server.s3_endpoint,
    s3_server.s3,
    s3_server.bucket,
    s3_server.bucket_settings,
)

HEAD = scripts().get_current_head()
PARTICIPANTS_PER_THREAD = 12
THREADS = 4
RECEIPTS_PER_CLAIM = 3


def every_row(url: str) -> dict[str, dict[tuple, dict]]:
    """Every row of every table, by table and primary key."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {name: rows_by_key(connection, name) for name in sa.inspect(connection).get_table_names()}
    finally:
        engine.dispose()


def every_file(storage: Storage) -> dict[str, bytes]:
    return {name: storage.read(name) for name in storage.stored_names()}


@pytest.fixture
def ticket():
    """A receipt photo, processed once: each receipt made from it is stored under new names."""
    return process_upload(image_bytes(marked_picture(400, 300), "JPEG"), "ticket.jpg")


@pytest.fixture
def conference(session, make_event, make_registration, app, ticket):
    """An event open for registration, with three travel claims of a receipt each."""
    event = make_event(host_town="Belgrade", onsite_capacity=2 * PARTICIPANTS_PER_THREAD)
    replace_fares(session, event, parse_fares("Niš, 3600", "RSD"), None)
    storage = current_storage()
    claims = []
    for n in range(3):
        registration = make_registration(event, email=f"traveller{n}@example.org").registration
        claim = open_claim(session, registration)
        add_receipt(session, claim.id, storage, ticket, ExpenseKind.BUS_TICKET, date(2031, 6, 30), 180000)
        claims.append(claim.id)
    return event, claims


@pytest.fixture
def target(new_database, tmp_path):
    """An empty installation to restore into: a new database and an empty upload folder."""
    return new_database("restored"), LocalStorage(tmp_path / "restored-uploads")


def test_a_backup_made_during_a_registration_burst_restores_a_copy_of_one_moment(
    app, conference, ticket, target, tmp_path, app_on
):
    event, claims = conference
    url = app.config["DATABASE_URL"]
    storage = current_storage()
    database = app.extensions["regsvc.db"]
    registered: list[int] = []  # ids, appended as each registration commits
    under_way = threading.Event()

    def register_some(thread: int) -> None:
        with app.app_context(), database.Session() as session:
            for n in range(PARTICIPANTS_PER_THREAD):
                outcome = register(session, event.id, details(f"{thread}-{n}"), Attendance.ONSITE)
                registered.append(outcome.registration.id)
                if len(registered) >= THREADS:
                    under_way.set()

    def upload_receipts() -> None:
        with app.app_context(), database.Session() as session:
            for _ in range(RECEIPTS_PER_CLAIM):
                for claim_id in claims:
                    add_receipt(session, claim_id, storage, ticket, ExpenseKind.FUEL, date(2031, 6, 30), 5000)

    with ThreadPoolExecutor(max_workers=THREADS + 1) as pool:
        burst = [pool.submit(register_some, thread) for thread in range(THREADS)]
        burst.append(pool.submit(upload_receipts))
        assert under_way.wait(timeout=60)
        registered_before = set(registered)
        made = make_backup(url, storage, tmp_path / "backup")
        for work in burst:
            work.result()

    restored_url, restored_storage = target
    report = restore_backup(tmp_path / "backup", restored_url, restored_storage)
    assert (report.revision, report.rows, report.files) == (HEAD, made.rows, made.files)

    source, restored = every_row(url), every_row(restored_url)
    assert set(restored) == set(source)
    # Every row restored is as the service wrote it; only the event's seat counts have moved
    # on since, and in the copy they count exactly the registrations it holds.
    moving = {"onsite_taken", "waitlisted_count"}
    for table, rows in restored.items():
        for key, row in rows.items():
            columns = row.keys() - moving if table == "events" else row.keys()
            assert {c: source[table][key][c] for c in columns} == {c: row[c] for c in columns}, (table, key)
    registrations = restored["registrations"].values()
    seated = restored["events"][(event.id,)]["onsite_taken"]
    assert seated == sum(r["attendance"] == "onsite" for r in registrations if r["event_id"] == event.id)
    assert registered_before <= {r["id"] for r in registrations}
    # Every file a restored receipt names is there, as it was uploaded.
    named = {
        name
        for receipt in restored["receipts"].values()
        for name in (receipt["stored_name"], receipt["thumbnail_name"], receipt["preview_name"])
        if name
    }
    assert len(named) >= 2 * len(claims)
    assert {name: restored_storage.read(name) for name in named} == {
        name: storage.read(name) for name in named
    }
    assert all(restored_storage.read(name) == storage.read(name) for name in restored_storage.stored_names())

    # The restored installation works.
    upgrade(restored_url)
    page = app_on(restored_url, str(restored_storage.root)).test_client().get(f"/e/{event.slug}/")
    assert page.status_code == 200 and event.title in page.text


@pytest.fixture
def regsvc_commands():
    """`backup` and `restore` in a group of their own (regsvc/cli.py assembles the real one)."""
    group = AppGroup("regsvc")
    backup.register(group)
    return group


def test_backup_and_restore_commands_bring_back_every_row_and_every_file(
    app, conference, target, tmp_path, app_on, regsvc_commands
):
    url = app.config["DATABASE_URL"]
    storage = current_storage()
    made = app.test_cli_runner().invoke(regsvc_commands, ["backup", str(tmp_path / "backup")])
    assert made.exit_code == 0, made.output
    assert f"(schema revision {HEAD}, " in made.output and "and 6 uploaded file(s) to" in made.output

    restored_url, restored_storage = target
    upgrade(restored_url)  # an installation where only `regsvc migrate` has run counts as empty
    restored_app = app_on(restored_url, str(restored_storage.root))
    with restored_app.app_context():  # the test's app has one of its own open
        restored = restored_app.test_cli_runner().invoke(
            regsvc_commands, ["restore", str(tmp_path / "backup")]
        )
    assert restored.exit_code == 0, restored.output
    assert "and 6 uploaded file(s) from" in restored.output

    assert every_row(restored_url) == every_row(url)
    assert every_file(restored_storage) == every_file(storage)


def test_the_manifest_lists_the_revision_the_kind_and_every_file_with_its_checksum(app, conference, tmp_path):
    storage = current_storage()
    make_backup(app.config["DATABASE_URL"], storage, tmp_path / "backup")
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["database"]["kind"] == ("postgresql" if ON_POSTGRESQL else "sqlite")
    assert manifest["database"]["revision"] == HEAD
    assert (
        manifest["database"]["rows"]["registrations"] == 3 and manifest["database"]["rows"]["receipts"] == 3
    )
    uploads = {entry["path"]: entry for entry in manifest["files"] if entry["path"].startswith("uploads/")}
    assert uploads.keys() == {f"uploads/{stored_path(name)}" for name in storage.stored_names()}
    name = storage.stored_names()[0]
    assert uploads[f"uploads/{name[:2]}/{name}"]["size"] == len(storage.read(name))
    # Personal data: the backup is its owner's only.
    assert (tmp_path / "backup").stat().st_mode & 0o077 == 0
    assert all(path.stat().st_mode & 0o077 == 0 for path in (tmp_path / "backup").rglob("*"))


def test_restore_refuses_a_database_that_holds_rows(app, conference, target, tmp_path, make_event):
    make_backup(app.config["DATABASE_URL"], current_storage(), tmp_path / "backup")
    restored_url, restored_storage = target
    upgrade(restored_url)
    engine = create_engine(restored_url)
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO rate_counters VALUES ('k', '2030-01-01 00:00:00', 1)"))
    engine.dispose()

    with pytest.raises(BackupError, match=r"The database is not empty: rate_counters \(1 rows\)"):
        restore_backup(tmp_path / "backup", restored_url, restored_storage)
    assert {table: len(rows) for table, rows in every_row(restored_url).items() if rows} == {
        "alembic_version": 1,
        "rate_counters": 1,
    }
    assert restored_storage.stored_names() == []


def test_restore_refuses_an_upload_folder_that_holds_files(app, conference, target, tmp_path):
    make_backup(app.config["DATABASE_URL"], current_storage(), tmp_path / "backup")
    restored_url, restored_storage = target
    restored_storage.commit(restored_storage.stage(b"%PDF-1.7 someone else's", "pdf"))

    with pytest.raises(BackupError, match=r"already holds 1 file\(s\)"):
        restore_backup(tmp_path / "backup", restored_url, restored_storage)
    assert every_row(restored_url) == {}


@pytest.mark.parametrize("damaged", ["upload", "database"])
def test_a_damaged_backup_is_detected_before_anything_is_restored(app, conference, target, tmp_path, damaged):
    storage = current_storage()
    make_backup(app.config["DATABASE_URL"], storage, tmp_path / "backup")
    if damaged == "upload":
        path = tmp_path / "backup" / "uploads" / stored_path(storage.stored_names()[0])
    else:
        path = next((tmp_path / "backup").glob("database.*"))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit, the size unchanged
    path.write_bytes(bytes(data))

    restored_url, restored_storage = target
    relative = path.relative_to(tmp_path / "backup").as_posix()
    with pytest.raises(BackupError, match=f"The backup is damaged: {relative} is not the file"):
        restore_backup(tmp_path / "backup", restored_url, restored_storage)
    assert restored_storage.stored_names() == []
    assert every_row(restored_url) == {}


def test_an_unfinished_backup_is_not_restored(app, conference, target, tmp_path):
    make_backup(app.config["DATABASE_URL"], current_storage(), tmp_path / "backup")
    (tmp_path / "backup" / "manifest.json").unlink()
    with pytest.raises(BackupError, match="is not a regsvc backup: it has no manifest.json"):
        restore_backup(tmp_path / "backup", *target)


def test_a_backup_goes_into_a_new_directory_only(app, tmp_path, regsvc_commands):
    (tmp_path / "backup").mkdir()
    result = app.test_cli_runner().invoke(regsvc_commands, ["backup", str(tmp_path / "backup")])
    assert result.exit_code == 1
    assert "already exists: give each backup a new directory" in result.output
    assert list((tmp_path / "backup").iterdir()) == []


@pytest.mark.skipif(not ON_POSTGRESQL, reason="pg_dump backs up PostgreSQL only")
def test_without_a_pg_dump_as_new_as_the_server_the_backup_says_what_to_install(app, tmp_path, monkeypatch):
    storage = current_storage()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(BackupError, match="pg_dump is not on PATH: install PostgreSQL's client programs"):
        make_backup(app.config["DATABASE_URL"], storage, tmp_path / "first")

    old = tmp_path / "bin" / "pg_dump"
    old.parent.mkdir()
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    old.chmod(0o755)
    with pytest.raises(BackupError, match=r"is older than the PostgreSQL \d+ server"):
        make_backup(app.config["DATABASE_URL"], storage, tmp_path / "second")
    assert not (tmp_path / "first").exists() and not (tmp_path / "second").exists()


def test_a_path_outside_the_backup_in_the_manifest_is_refused(app, conference, target, tmp_path):
    make_backup(app.config["DATABASE_URL"], current_storage(), tmp_path / "backup")
    manifest_path = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"].append({"path": "../../etc/passwd", "size": 1, "sha256": "0" * 64})
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="names a file no backup holds"):
        restore_backup(tmp_path / "backup", *target)


def test_a_backup_of_an_older_schema_is_restored_at_its_revision_and_migrate_brings_it_up(
    new_database, target, tmp_path, app_on, regsvc_commands
):
    older = new_database("older")
    upgrade(older, "0010")
    engine = create_engine(older)
    with engine.begin() as connection:
        written = insert_rows(connection)
    engine.dispose()
    make_backup(older, LocalStorage(tmp_path / "older-uploads"), tmp_path / "backup")

    restored_url, restored_storage = target
    upgrade(restored_url)  # made by this version: tables the backup's schema does not have yet
    restored_app = app_on(restored_url, str(restored_storage.root))
    with restored_app.app_context():
        restored = restored_app.test_cli_runner().invoke(
            regsvc_commands, ["restore", str(tmp_path / "backup")]
        )
    assert restored.exit_code == 0, restored.output
    assert "(schema revision 0010, " in restored.output
    assert f"Now run `regsvc migrate` to bring the schema up to revision {HEAD}." in restored.output
    assert current_revision(restored_url) == "0010"

    upgrade(restored_url)
    assert current_revision(restored_url) == HEAD
    engine = create_engine(restored_url)
    with engine.connect() as connection:
        assert changed_values(connection, written) == []
    engine.dispose()


# -- a bucket (STORAGE_URL) ---------------------------------------------------------------------


def other_bucket(client, endpoint: str, label: str) -> dict:
    """The settings of a new, empty bucket (a second one: the test's own holds the source)."""
    name = f"{label}-{secrets.token_hex(4)}"
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return {
        "STORAGE_URL": storage_url(endpoint, name, prefix="restored"),
        "STORAGE_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "STORAGE_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
    }


def test_an_installation_on_a_bucket_is_backed_up_and_restored_into_another_bucket(
    app_settings,
    bucket_settings,
    session,
    make_event,
    make_registration,
    ticket,
    new_database,
    s3,
    s3_endpoint,
    tmp_path,
    regsvc_commands,
):
    source_app = create_app({**app_settings, **bucket_settings})
    with source_app.app_context():
        storage = current_storage()
        event = make_event(host_town="Belgrade")
        replace_fares(session, event, parse_fares("Niš, 3600", "RSD"), None)
        for n in range(2):
            claim = open_claim(
                session, make_registration(event, email=f"traveller{n}@example.org").registration
            )
            add_receipt(session, claim.id, storage, ticket, ExpenseKind.BUS_TICKET, date(2031, 6, 30), 180000)
        made = source_app.test_cli_runner().invoke(regsvc_commands, ["backup", str(tmp_path / "backup")])
    assert made.exit_code == 0, made.output
    assert "and 4 uploaded file(s) to" in made.output

    restored_url = new_database("restored")
    upgrade(restored_url)
    restored_app = create_app(
        {**app_settings, "DATABASE_URL": restored_url, **other_bucket(s3, s3_endpoint, "restored")}
    )
    try:
        with restored_app.app_context():
            restored = restored_app.test_cli_runner().invoke(
                regsvc_commands, ["restore", str(tmp_path / "backup")]
            )
            assert restored.exit_code == 0, restored.output
            assert "and 4 uploaded file(s) from" in restored.output
            restored_storage = current_storage()
            assert every_file(restored_storage) == every_file(storage)
            # Laid out as in the source, below the target's prefix.
            assert keys_in(s3, restored_storage.location.bucket) == [
                f"restored/{stored_path(name)}" for name in storage.stored_names()
            ]
            again = restored_app.test_cli_runner().invoke(
                regsvc_commands, ["restore", str(tmp_path / "backup")]
            )
    finally:
        restored_app.extensions["regsvc.db"].dispose()
        source_app.extensions["regsvc.db"].dispose()
    assert every_row(restored_url) == every_row(app_settings["DATABASE_URL"])
    assert again.exit_code == 1
    assert f"The upload storage, the bucket s3://{restored_storage.location.bucket}/restored/" in again.output
    assert "already holds 4 file(s)" in again.output


def test_a_backup_of_a_folder_restores_into_a_bucket(app, conference, target, tmp_path, s3, s3_endpoint):
    """Moving from one machine to several."""
    folder = current_storage()
    make_backup(app.config["DATABASE_URL"], folder, tmp_path / "backup")
    restored_url, _ = target
    moved = storage_from_settings({"UPLOAD_FOLDER": "", **other_bucket(s3, s3_endpoint, "moved")})

    report = restore_backup(tmp_path / "backup", restored_url, moved)

    assert report.files == 6  # a photo and its thumbnail for each of the three receipts
    assert every_file(moved) == every_file(folder)
    assert every_row(restored_url) == every_row(app.config["DATABASE_URL"])
