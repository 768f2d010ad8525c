"""The claim as a PDF: what it says, the receipts appended, the archival PDF/A-3 variant."""

import hashlib
import io
import re
import subprocess
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import update

from regsvc.claims.batches import batch_with_claims, create_batch
from regsvc.claims.documents import claim_pdf, claims_pdf
from regsvc.claims.models import PayoutMethod, Receipt
from regsvc.claims.review import approve
from regsvc.db import write_transaction
from regsvc.storage import LocalStorage, Storage, current_storage
from tests.claims.corpus import image_bytes, marked_picture, pdf_receipt
from tests.conftest import fresh

ATTACHED = "SHA-256 of the attached file"
STORED = "SHA-256 of the stored file"
UPLOADED = "SHA-256 of the upload as received"


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def printed_hashes(text: str, label: str) -> list[str]:
    """The hashes printed under `label`, in the document's order; each must be on one line, whole."""
    return re.findall(re.escape(label) + r"\s+([0-9a-f]{64})\b", text)


def photo_and_pdf() -> list[tuple[bytes, str]]:
    return [
        (image_bytes(marked_picture(900, 600), "JPEG"), "karta.jpg"),
        (pdf_receipt(pages=1), "gorivo.pdf"),
    ]


def assert_attached_files_are_the_ones_printed(data: bytes, claims: list, storage: Storage) -> None:
    """Every file attached to an archival document has the SHA-256 the document prints for it (and
    that its description gives), which is that of the stored file; a photo's upload, re-encoded
    before it was stored, has its own hash, printed as such."""
    attached = {file.name: file for file in PdfReader(io.BytesIO(data)).attachment_list}
    receipts = [receipt for claim in claims for receipt in claim.receipts]
    names = [
        f"claim-{claim.id}-receipt-{number}.{'pdf' if receipt.mime == 'application/pdf' else 'jpg'}"
        for claim in claims
        for number, receipt in enumerate(claim.receipts, 1)
    ]
    assert sorted(attached) == sorted(names)
    recomputed = [sha256(attached[name].content) for name in names]
    text = pdf_text(data)
    assert printed_hashes(text, ATTACHED) == recomputed
    assert recomputed == [sha256(storage.read(receipt.stored_name)) for receipt in receipts]
    assert recomputed == [receipt.stored_sha256 for receipt in receipts]
    for name, digest in zip(names, recomputed, strict=True):
        assert attached[name].description.endswith(f"{ATTACHED}: {digest}")
    photos = [receipt for receipt in receipts if receipt.mime != "application/pdf"]
    assert photos and printed_hashes(text, UPLOADED) == [receipt.sha256 for receipt in photos]
    assert not set(printed_hashes(text, UPLOADED)) & set(recomputed)


def test_the_claim_pdf_itemises_the_claim_and_appends_every_receipt(session, app, submitted, finance_user):
    claim = submitted(
        amounts=(190000, 120000),
        files=[
            (image_bytes(marked_picture(900, 600), "JPEG"), "karta.jpg"),
            (pdf_receipt(pages=2), "gorivo.pdf"),
        ],
        full_name="Đorđe Ђорђевић",
    )
    approve(session, claim.id, finance_user, amount=300000, reason="The toll is not on the route")
    data = claim_pdf(session, claim, current_storage())
    reader = PdfReader(io.BytesIO(data))
    # The summary, one page for the photo, two for the PDF receipt.
    assert len(reader.pages) == 4
    text = pdf_text(data)
    for expected in (
        "Đorđe Ђорђевић",
        "Niš – Beograd",
        "karta.jpg",
        "gorivo.pdf",
        "3,100.00 RSD",  # claimed
        "3,600.00 RSD",  # cap
        "3,000.00 RSD",  # approved
        "The toll is not on the route",
        finance_user.label,
        "Receipt 1 of 2",
        "Receipt 2 of 2",
        "page 2 of 2",
    ):
        assert expected in text, expected
    page_text = [page.extract_text() for page in reader.pages]
    assert "Receipt 2 of 2" in page_text[3] and "Receipt 1 of 2" in page_text[1]
    Path("test-artifacts").mkdir(exist_ok=True)
    Path("test-artifacts/claim.pdf").write_bytes(data)


def test_the_archival_variant_is_pdf_a_3_with_the_receipt_files_attached(session, app, submitted):
    receipt_pdf = pdf_receipt(pages=1)
    claim = submitted(
        amounts=(190000, 120000),
        files=[(image_bytes(marked_picture(900, 600), "JPEG"), "karta.jpg"), (receipt_pdf, "gorivo.pdf")],
    )
    storage = current_storage()
    data = claim_pdf(session, claim, storage, archival=True)
    reader = PdfReader(io.BytesIO(data))
    raw_xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in raw_xmp and b'pdfaid:conformance="B"' in raw_xmp
    assert reader.trailer["/Root"]["/OutputIntents"]
    attached = reader.attachments
    assert sorted(attached) == [f"claim-{claim.id}-receipt-1.jpg", f"claim-{claim.id}-receipt-2.pdf"]
    # The PDF receipt byte for byte; the photo as stored (upright, without metadata).
    assert attached[f"claim-{claim.id}-receipt-2.pdf"] == [receipt_pdf]
    assert attached[f"claim-{claim.id}-receipt-1.jpg"] == [storage.read(claim.receipts[0].stored_name)]
    assert "attached to this document" in pdf_text(data)


def test_every_file_attached_to_the_archival_claim_has_the_sha256_printed_for_it(session, app, submitted):
    claim = submitted(amounts=(190000, 120000), files=photo_and_pdf())
    storage = current_storage()
    assert_attached_files_are_the_ones_printed(
        claim_pdf(session, claim, storage, archival=True), [claim], storage
    )


def test_every_file_attached_to_the_batch_dossier_has_the_sha256_printed_for_it(
    session, app, submitted, finance_user
):
    bank = (PayoutMethod.BANK, "RS35 2600 0560 1001 6113 79", "Ana Anić")
    claims = [
        approve(
            session, submitted(amounts=(190000, 120000), files=photo_and_pdf(), payout=bank).id, finance_user
        ),
        approve(session, submitted(amounts=(150000,), payout=bank).id, finance_user),
    ]
    batch = batch_with_claims(session, create_batch(session, [claim.id for claim in claims], finance_user).id)
    storage = current_storage()
    data = claims_pdf(session, batch.claims, storage, archival=True, batch=batch)
    assert_attached_files_are_the_ones_printed(data, batch.claims, storage)


def test_the_claim_pdf_prints_each_stored_files_hash_and_a_photos_upload_hash_labelled(
    session, app, submitted
):
    files = photo_and_pdf()
    claim = submitted(amounts=(190000, 120000), files=files)
    storage = current_storage()
    text = pdf_text(claim_pdf(session, claim, storage))
    photo = claim.receipts[0]
    assert printed_hashes(text, STORED) == [sha256(storage.read(photo.stored_name)), sha256(files[1][0])]
    assert printed_hashes(text, UPLOADED) == [sha256(files[0][0])]  # the PDF is stored as it came
    assert ATTACHED not in text  # nothing is attached to this variant


def test_receipts_stored_before_the_stored_files_hash_was_recorded_get_it_from_the_file(
    session, app, submitted
):
    claim = submitted(amounts=(190000,))
    with write_transaction(session):
        session.execute(update(Receipt).values(stored_sha256=None))  # as migration 0007 leaves them
    fresh(session)
    storage = current_storage()
    receipt = claim.receipts[0]
    assert receipt.stored_sha256 is None
    data = claim_pdf(session, claim, storage, archival=True)
    assert printed_hashes(pdf_text(data), ATTACHED) == [sha256(storage.read(receipt.stored_name))]


def test_the_hash_printed_is_the_one_recorded_so_a_stored_file_changed_since_shows(session, app, submitted):
    claim = submitted(amounts=(190000,))
    storage = LocalStorage(app.config["UPLOAD_FOLDER"])
    receipt = claim.receipts[0]
    recorded = receipt.stored_sha256
    storage.path(receipt.stored_name).write_bytes(image_bytes(marked_picture(300, 200), "JPEG"))
    data = claim_pdf(session, claim, storage, archival=True)
    assert printed_hashes(pdf_text(data), ATTACHED) == [recorded]
    assert sha256(PdfReader(io.BytesIO(data)).attachments[f"claim-{claim.id}-receipt-1.jpg"][0]) != recorded
