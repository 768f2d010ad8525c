"""Degraded but polite (issue 14): with the database unreachable, every page answers with the
503 "try again" page, never a 500; with the upload disk full, a clear "could not save" and
nothing half-written; /healthz says which part is failing."""

import errno
import os

import pytest
from sqlalchemy import func, select

from regsvc import create_app
from regsvc.claims.models import Receipt
from tests.claims.test_pages import photo, upload
from tests.conftest import form_data
from tests.registration.test_pages import text_of

UNREACHABLE = {
    # Nothing listens on port 1: the connection is refused, as while PostgreSQL restarts.
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/regsvc?connect_timeout=2",
    # A folder where the database file should be: SQLite cannot open it.
    "sqlite": "sqlite:///{folder}",
}


@pytest.fixture(params=sorted(UNREACHABLE))
def unreachable(request, app_settings, tmp_path):
    folder = tmp_path / "not-a-database"
    folder.mkdir()
    app = create_app(dict(app_settings, DATABASE_URL=UNREACHABLE[request.param].format(folder=folder)))
    yield app
    app.extensions["regsvc.db"].dispose()


def test_every_kind_of_page_answers_503_when_the_database_is_unreachable(unreachable):
    client = unreachable.test_client()
    with client.session_transaction() as browser_session:
        browser_session["_user_id"] = "1"  # a staff member signed in before the outage
    pages = [
        client.get("/"),
        client.get("/e/national-conference/"),
        client.post("/e/national-conference/register", data=form_data(1)),
        client.get("/r/" + "a" * 43 + "/"),
        client.get("/staff/"),
        client.get("/staff/finance/"),
        client.post("/staff/login", data={"email": "x@example.org", "password": "whatever"}),
    ]
    for response in pages:
        assert response.status_code == 503, response.request.path
        assert "Please try again" in text_of(response), response.request.path
        assert response.headers["Retry-After"]
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json["database"] == "unreachable"


def test_a_full_disk_saves_nothing_and_says_so(
    app, client, session, make_event, make_registration, monkeypatch
):
    token = make_registration(make_event(onsite_capacity=5), departure_town="Niš").token

    def disk_full(_descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("regsvc.storage.local.os.fsync", disk_full)
    response = upload(client, token, photo())
    assert response.status_code == 503
    assert "could not be saved" in text_of(response)
    assert session.scalar(select(func.count()).select_from(Receipt)) == 0
    uploads = app.config["UPLOAD_FOLDER"]
    assert [path for _root, _dirs, files in os.walk(uploads) for path in files] == []
    monkeypatch.undo()
    assert upload(client, token, photo()).status_code == 302


def test_healthz_checks_that_the_storage_is_writable(app, client, tmp_path):
    assert client.get("/healthz").json["storage"] == "ok"
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("")
    app.config["UPLOAD_FOLDER"] = str(blocked)
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json["storage"] == "not writable"


def test_healthz_reports_how_long_mail_has_waited(app, client, session):
    from datetime import timedelta

    from regsvc.db import utcnow
    from regsvc.mail.services import Mail, add_to_outbox

    assert client.get("/healthz").json["oldest_pending_mail_seconds"] is None
    add_to_outbox(session, Mail("a@example.org", "Hello", "Body"), now=utcnow() - timedelta(minutes=3))
    session.commit()
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json["status"] == "ok"
    assert 180 <= health.json["oldest_pending_mail_seconds"] < 240
    add_to_outbox(session, Mail("b@example.org", "Hello", "Body"), now=utcnow() - timedelta(hours=1))
    session.commit()
    health = client.get("/healthz")
    # Mail stuck for an hour needs a person, but the server can still serve: 200, "degraded".
    assert health.status_code == 200 and health.json["status"] == "degraded"


def test_an_unreachable_bucket_saves_nothing_and_asks_to_try_again(
    app, client, session, make_event, make_registration, monkeypatch
):
    from regsvc.storage import StorageUnavailable
    from regsvc.storage.local import LocalStorage

    token = make_registration(make_event(onsite_capacity=5), departure_town="Niš").token

    def unreachable(self, data, extension):
        raise StorageUnavailable("the bucket regsvc-uploads cannot be reached")

    monkeypatch.setattr(LocalStorage, "stage", unreachable)
    response = upload(client, token, photo())
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "The receipt files cannot be reached just now" in text_of(response)
    assert session.scalar(select(func.count()).select_from(Receipt)) == 0
