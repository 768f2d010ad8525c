"""Documents read stored receipts through the storage: by a name it made, never a path; and a
storage that fails while a document is drawn stops the document instead of leaving a receipt out."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from regsvc.claims.documents import claim_pdf
from regsvc.claims.models import Claim
from regsvc.documents.render import ResourceRefused, SafeURLFetcher, render_pdf
from regsvc.storage import LocalStorage, StorageUnavailable, current_storage
from tests.claims.corpus import image_bytes, marked_picture
from tests.claims.test_pages import upload

PHOTO = image_bytes(marked_picture(300, 200), "JPEG")


@pytest.fixture
def stored(tmp_path) -> tuple[LocalStorage, str]:
    storage = LocalStorage(tmp_path / "uploads")
    return storage, storage.commit(storage.stage(PHOTO, "jpg"))


def test_a_reader_answers_the_names_its_storage_made(stored):
    storage, name = stored
    fetcher = SafeURLFetcher(readers={"upload": storage.read})
    response = fetcher.fetch(f"upload:{name}")
    assert response.read() == PHOTO and response.content_type == "image/jpeg"
    assert fetcher.fetch("static:style.css").read()  # the static files as well


@pytest.mark.parametrize(
    "url",
    [
        "upload:../config.py",
        "upload:{name[0]}{name[1]}/{name}",  # the folder's layout is the storage's business
        "upload:/etc/passwd",
        "upload:{other}",  # a name it could have made, but did not
        "upload:",
        "upload:%2e%2e/%2e%2e/config.py",
    ],
)
def test_a_reader_refuses_anything_but_a_stored_name(stored, url):
    storage, name = stored
    fetcher = SafeURLFetcher(readers={"upload": storage.read})
    with pytest.raises(ResourceRefused):
        fetcher.fetch(url.format(name=name, other=storage.new_name("jpg")))


def test_a_reader_cannot_take_the_name_of_a_root_or_of_a_real_scheme(stored):
    storage, _ = stored
    with pytest.raises(ValueError, match="both as a root and as a reader: static"):
        SafeURLFetcher(readers={"static": storage.read})
    with pytest.raises(ValueError, match="http"):
        SafeURLFetcher(readers={"http": storage.read})


def test_a_storage_that_fails_stops_the_document_with_its_own_error():
    def unreachable(name: str) -> bytes:
        raise StorageUnavailable("the bucket s3://regsvc-uploads/ could not read a file")

    html = '<p>Receipt</p><img src="upload:0123456789abcdef0123456789abcdef.jpg">'
    with pytest.raises(StorageUnavailable, match="could not read a file"):
        render_pdf(html, readers={"upload": unreachable})


def test_the_claim_pdf_is_not_made_without_a_receipt_the_storage_cannot_read_now(
    app, client, session, token, monkeypatch
):
    upload(client, token, PHOTO)
    storage = current_storage()
    claim = session.scalars(select(Claim)).one()

    def unreachable(self, name):
        raise StorageUnavailable(f"{self.description} could not read a file: timed out")

    monkeypatch.setattr(type(storage), "open", unreachable)
    with pytest.raises(StorageUnavailable, match="could not read a file: timed out"):
        claim_pdf(session, claim, storage)
