"""What every storage promises, tested on both: a local folder and a bucket of a real S3 API
server. A file and the row that names it exist together or not at all; nothing is ever half
written under a real name; sweep tidies what crashes leave, and nothing else."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from regsvc.audit.models import AuditEntry
from regsvc.audit.services import record
from regsvc.db import utcnow, write_transaction
from regsvc.storage import BadStoredName, Storage, current_storage, place_on_commit, stored_path
from tests.storage.helpers import age_everything, everything_in, put_foreign_file

PHOTO = b"\xff\xd8\xff\xe0 a receipt photo"
PDF = b"%PDF-1.7 a bus ticket"


@pytest.fixture
def storage(app) -> Storage:
    return current_storage()


def rows(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry))


def upload(session, storage: Storage, *files: tuple[bytes, str]) -> list[str]:
    """Stage files and record their names in one transaction (an audit entry stands in for the
    Receipt row), as the claim service does."""
    with write_transaction(session):
        names = []
        for data, extension in files:
            staged = storage.stage(data, extension)
            place_on_commit(session, staged)
            names.append(staged.name)
        record(session, None, "receipt.added", event_id=None, stored=names)
    return names


def test_the_app_uses_the_storage_its_settings_name(storage, storage_kind):
    assert type(storage).__name__ == {"folder": "LocalStorage", "bucket": "BucketStorage"}[storage_kind]
    assert current_storage() is storage  # made once, not for every use


def test_files_of_a_transaction_that_commits_are_stored(session, storage):
    photo, pdf = upload(session, storage, (PHOTO, "jpg"), (PDF, "pdf"))
    assert (storage.read(photo), storage.read(pdf)) == (PHOTO, PDF)
    assert storage.exists(photo) and storage.exists(pdf)
    assert storage.stored_names() == sorted([photo, pdf])
    assert sorted(everything_in(storage)) == sorted([stored_path(photo), stored_path(pdf)])
    with storage.open(photo) as opened:
        assert opened.size == len(PHOTO) and opened.read() == PHOTO
        assert abs(opened.modified - utcnow()) < timedelta(minutes=5)


def test_a_transaction_that_fails_leaves_neither_a_file_nor_a_row(session, storage):
    with pytest.raises(RuntimeError), write_transaction(session):
        place_on_commit(session, storage.stage(PHOTO, "jpg"), storage.stage(PDF, "pdf"))
        record(session, None, "receipt.added", event_id=None)
        raise RuntimeError("the database refused the row")
    assert everything_in(storage) == [] and rows(session) == 0


def test_a_session_closed_without_commit_discards_its_files(app, storage):
    with app.extensions["regsvc.db"].Session() as other:
        other.begin()
        staged = storage.stage(PHOTO, "jpg")
        place_on_commit(other, staged)
    assert everything_in(storage) == []
    assert not storage.exists(staged.name)


def test_a_failure_while_staging_discards_what_was_staged_before(session, storage, monkeypatch):
    real_stage = type(storage).stage

    def second_fails(self, data, extension):
        if extension == "pdf":
            raise OSError("no room")
        return real_stage(self, data, extension)

    monkeypatch.setattr(type(storage), "stage", second_fails)
    with pytest.raises(OSError, match="no room"):
        upload(session, storage, (PHOTO, "jpg"), (PDF, "pdf"))
    assert everything_in(storage) == [] and rows(session) == 0


def test_a_file_put_under_a_name_made_earlier_is_stored_at_once(storage):
    name = storage.new_name("pdf")
    storage.put(name, io.BytesIO(PDF))
    assert storage.read(name) == PDF and storage.stored_names() == [name]
    assert everything_in(storage) == [stored_path(name)]


def test_a_deleted_file_is_gone_and_deleting_it_again_is_harmless(session, storage):
    kept, deleted = upload(session, storage, (PHOTO, "jpg"), (PDF, "pdf"))
    storage.delete(deleted)
    storage.delete(deleted)
    assert not storage.exists(deleted) and storage.stored_names() == [kept]


def test_a_file_that_is_not_there_is_not_found(storage):
    missing = storage.new_name("jpg")
    assert not storage.exists(missing)
    with pytest.raises(FileNotFoundError):
        storage.open(missing)
    with pytest.raises(FileNotFoundError):
        storage.read(missing)


@pytest.mark.parametrize(
    "name",
    [
        "../config.py",
        "/etc/passwd",
        "0123456789abcdef0123456789abcdef.exe",
        "0123456789ABCDEF0123456789ABCDEF.jpg",
        "ab/0123456789abcdef0123456789abcdef.jpg",
        "0123456789abcdef0123456789abcdef.jpg/../../x",
        "health-probe-0123456789abcdef",
        None,
    ],
)
def test_every_operation_refuses_a_name_the_storage_did_not_make(storage, name):
    for operation in (storage.exists, storage.open, storage.read, storage.delete):
        with pytest.raises(BadStoredName):
            operation(name)
    with pytest.raises(BadStoredName):
        storage.put(name, io.BytesIO(b"x"))


def test_the_storage_is_writable_and_the_check_leaves_nothing(storage):
    assert storage.writable()
    assert everything_in(storage) == []


def test_only_committed_files_are_listed(session, storage):
    [committed] = upload(session, storage, (PHOTO, "jpg"))
    put_foreign_file(storage, "README")
    put_foreign_file(storage, f"zz/{committed}")  # a stored name in the wrong place
    assert storage.stored_names() == [committed]


def test_sweep_removes_what_crashes_left_and_keeps_everything_else(app, session, storage):
    known, orphan = upload(session, storage, (PHOTO, "jpg"), (PDF, "pdf"))
    # The process died before its transaction committed: nothing names the file.
    abandoned = storage.stage(b"an upload whose process died", "jpg")
    # The transaction committed, then the process died before anything else happened.
    committed_then_died = storage.stage(b"committed, then the process died", "pdf")
    put_foreign_file(storage, "README")
    age_everything(storage)
    # An hour later: an upload under way, and a file committed a moment ago.
    under_way = storage.stage(b"an upload in progress", "jpg")
    [recent] = upload(session, storage, (b"just now", "jpg"))
    names_in_rows = {known, recent, committed_then_died.name}

    report = storage.sweep(names_in_rows, older_than=timedelta(hours=1))

    assert sorted(report.orphans_removed + report.temporary_removed) == sorted([orphan, abandoned.name])
    assert storage.read(committed_then_died.name) == b"committed, then the process died"
    # (A bucket lists the upload under way too: it is staged where it will stay.)
    assert set(storage.stored_names()) - {under_way.name} == names_in_rows
    assert "README" in everything_in(storage)
    # The upload under way still completes.
    storage.commit(under_way)
    assert storage.exists(under_way.name)


def test_sweep_keeps_files_younger_than_it_is_told(session, storage):
    [orphan] = upload(session, storage, (PHOTO, "jpg"))
    leftover = storage.stage(PDF, "pdf")
    report = storage.sweep(set(), older_than=timedelta(hours=1))
    assert report.orphans_removed == report.temporary_removed == report.recovered == []
    assert storage.exists(orphan)
    # Told the time, later than the storage's own.
    later = storage.sweep(set(), older_than=timedelta(hours=1), now=time.time() + 7200)
    assert sorted(later.orphans_removed + later.temporary_removed) == sorted([orphan, leftover.name])
    assert everything_in(storage) == []
