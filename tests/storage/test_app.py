"""The app on each storage: a receipt uploaded on the participant's claim page is stored, served
back, drawn into the claim PDF, exported, removed and swept; /healthz checks the storage."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from regsvc.claims.models import Receipt
from regsvc.storage import current_storage, stored_path
from tests.claims.corpus import image_bytes, marked_picture, pdf_receipt
from tests.claims.test_documents import pdf_text
from tests.claims.test_pages import receipts, upload
from tests.storage.helpers import age_everything, everything_in


def receipt_files(receipt: Receipt) -> list[str]:
    return sorted(
        name for name in (receipt.stored_name, receipt.preview_name, receipt.thumbnail_name) if name
    )


def test_a_receipt_uploaded_on_the_claim_page_is_stored_and_served_back(client, session, token, storage_kind):
    photo = image_bytes(marked_picture(900, 600), "JPEG")
    assert upload(client, token, photo, name="karta.jpg").status_code == 302
    [receipt] = receipts(session)
    storage = current_storage()
    assert sorted(everything_in(storage)) == sorted(stored_path(name) for name in receipt_files(receipt))

    response = client.get(f"/r/{token}/claim/receipts/{receipt.id}/file", buffered=True)
    assert response.status_code == 200
    assert response.data == storage.read(receipt.stored_name)
    assert response.mimetype == "image/jpeg"
    assert response.content_length == len(response.data)
    assert response.headers["Content-Disposition"] == "inline; filename=karta.jpg"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["ETag"] == f'"{receipt.stored_name}"' and response.last_modified is not None
    with Image.open(io.BytesIO(response.data)) as served:
        assert served.size == (900, 600)
    thumbnail = client.get(f"/r/{token}/claim/receipts/{receipt.id}/thumbnail", buffered=True)
    assert thumbnail.data == storage.read(receipt.thumbnail_name)


def test_a_pdf_receipt_is_downloaded_as_it_was_sent_and_previewed(client, session, token):
    document = pdf_receipt()
    assert upload(client, token, document, name="bus ticket.pdf").status_code == 302
    [receipt] = receipts(session)
    download = client.get(f"/r/{token}/claim/receipts/{receipt.id}/file", buffered=True)
    assert download.data == document and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    preview = client.get(f"/r/{token}/claim/receipts/{receipt.id}/preview", buffered=True)
    assert preview.mimetype == "image/jpeg" and preview.data == current_storage().read(receipt.preview_name)


def test_a_receipt_whose_file_is_gone_is_not_found(client, session, token):
    upload(client, token, image_bytes(marked_picture(400, 300), "JPEG"))
    [receipt] = receipts(session)
    current_storage().delete(receipt.stored_name)
    assert client.get(f"/r/{token}/claim/receipts/{receipt.id}/file").status_code == 404


def test_the_claim_pdf_draws_the_stored_photo(client, session, token):
    upload(client, token, image_bytes(marked_picture(900, 600), "JPEG"))
    [receipt] = receipts(session)
    response = client.get(f"/r/{token}/claim.pdf")
    assert response.status_code == 200 and "Receipt 1 of 1" in pdf_text(response.data)
    # WeasyPrint embeds a JPEG as it is: the stored file's bytes are in the document.
    assert current_storage().read(receipt.stored_name) in response.data


def test_the_participants_data_download_carries_the_stored_receipts(client, session, token):
    photo = image_bytes(marked_picture(400, 300), "JPEG")
    upload(client, token, photo)
    [receipt] = receipts(session)
    response = client.get(f"/r/{token}/my-data.zip", buffered=True)
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as bundle:
        assert bundle.read("receipts/receipt-1.jpg") == current_storage().read(receipt.stored_name)


def test_a_receipt_removed_from_a_draft_takes_its_files_along(client, session, token):
    upload(client, token, image_bytes(marked_picture(400, 300), "JPEG"))
    [receipt] = receipts(session)
    response = client.post(f"/r/{token}/claim/receipts/{receipt.id}/remove")
    assert response.status_code == 302
    assert receipts(session) == [] and everything_in(current_storage()) == []


def test_sweep_uploads_keeps_the_receipts_files_and_removes_the_rest(app, client, session, token, runner):
    upload(client, token, image_bytes(marked_picture(400, 300), "JPEG"))
    [receipt] = receipts(session)
    storage = current_storage()
    orphan = storage.commit(storage.stage(b"a receipt's file whose delete failed", "jpg"))
    abandoned = storage.stage(b"an upload whose process died", "jpg")
    age_everything(storage)
    in_progress = storage.stage(b"an upload happening now", "jpg")

    result = runner.invoke(args=["regsvc", "sweep-uploads"])

    assert result.exit_code == 0, result.output
    assert f"Removed file no receipt refers to: {orphan}" in result.output
    assert "Removed 2 file(s); recovered 0." in result.output
    assert abandoned.name in result.output
    assert set(storage.stored_names()) - {in_progress.name} == set(receipt_files(receipt))
    storage.commit(in_progress)
    assert storage.exists(in_progress.name)


def test_healthz_says_the_storage_is_writable(client):
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json["storage"] == "ok"


@pytest.mark.parametrize("storage_kind", ["bucket"])
def test_healthz_takes_the_server_out_of_the_pool_when_the_bucket_is_gone(app, client, s3, bucket):
    s3.delete_bucket(Bucket=bucket)
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["storage"] == "not writable"
