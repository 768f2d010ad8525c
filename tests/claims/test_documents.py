"""The claim as a PDF: what it says, the receipts appended, the archival PDF/A-3 variant."""

import io
import subprocess
from pathlib import Path

from pypdf import PdfReader

from regsvc.claims.documents import claim_pdf
from regsvc.claims.review import approve
from regsvc.storage import Storage
from tests.claims.corpus import image_bytes, marked_picture, pdf_receipt


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def test_the_claim_pdf_itemises_the_claim_and_appends_every_receipt(session, app, submitted, finance_user):
    claim = submitted(
        amounts=(190000, 120000),
        files=[(image_bytes(marked_picture(900, 600), "JPEG"), "karta.jpg"), (pdf_receipt(pages=2), "gorivo.pdf")],
        full_name="Đorđe Ђорђевић",
    )
    approve(session, claim.id, finance_user, amount=300000, reason="The toll is not on the route")
    data = claim_pdf(session, claim, Storage(app.config["UPLOAD_FOLDER"]))
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
    storage = Storage(app.config["UPLOAD_FOLDER"])
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
