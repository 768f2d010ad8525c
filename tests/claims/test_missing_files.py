"""A receipt whose stored file has gone (a lost disk, a restore without the uploads): every
page and document still works, says which receipt, and finance is told (issue 14)."""

from sqlalchemy import select

from regsvc.claims.documents import claim_pdf
from regsvc.claims.models import Claim, Receipt
from regsvc.claims.review import advisory_flags
from regsvc.storage import current_storage
from tests.claims.test_documents import pdf_text
from tests.claims.test_pages import photo, upload
from tests.conftest import sign_in
from tests.registration.test_pages import text_of


def _lose_second_file(session, submitted) -> Claim:
    claim = submitted()
    current_storage().path(claim.receipts[1].stored_name).unlink()
    return claim


def test_finance_is_told_which_receipt_has_lost_its_file(app, session, submitted):
    claim = submitted()
    storage = current_storage()
    assert not any("missing" in flag for flag in advisory_flags(session, claim, storage))
    storage.path(claim.receipts[1].stored_name).unlink()
    flags = [flag for flag in advisory_flags(session, claim, storage) if "missing" in flag]
    assert flags == [
        "The file of receipt 2 is missing from the server's storage: restore it from a backup, "
        "or ask the participant to upload it again."
    ]


def test_the_claim_pdf_says_where_the_file_is_missing(app, session, submitted):
    claim = _lose_second_file(session, submitted)
    text = " ".join(pdf_text(claim_pdf(session, claim, current_storage())).split())
    assert "Receipt 2 of 2" in text
    assert "is missing from the server's storage, so it cannot be shown here" in text
    # The receipt that is there is still drawn and hashed.
    assert claim.receipts[0].stored_sha256 in text
    archival = claim_pdf(session, claim, current_storage(), archival=True)
    assert "File missing from the server's storage." in " ".join(pdf_text(archival).split())


def test_the_finance_page_shows_the_note_instead_of_a_broken_picture(
    client, session, submitted, finance_user
):
    claim = _lose_second_file(session, submitted)
    sign_in(client, finance_user)
    response = client.get(f"/staff/finance/claims/{claim.id}")
    assert response.status_code == 200
    page = text_of(response)
    assert "Its file is missing from the server's storage." in page
    assert "The file of receipt 2 is missing" in page
    lost, kept = claim.receipts[1], claim.receipts[0]
    assert f"/receipts/{lost.id}/thumbnail" not in response.text
    assert f"/receipts/{kept.id}/thumbnail" in response.text
    assert client.get(f"/staff/finance/claims/{claim.id}/receipts/{lost.id}/file").status_code == 404
    pdf = client.get(f"/staff/finance/claims/{claim.id}/claim.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_the_participant_is_asked_to_upload_it_again(client, session, make_event, make_registration):
    token = make_registration(make_event(onsite_capacity=5), departure_town="Niš").token
    assert upload(client, token, photo()).status_code == 302
    receipt = session.scalars(select(Receipt)).one()
    current_storage().path(receipt.stored_name).unlink()
    response = client.get(f"/r/{token}/claim")
    assert response.status_code == 200
    assert "Please remove this receipt and upload it again." in text_of(response)
    assert f"/receipts/{receipt.id}/thumbnail" not in response.text
    assert client.get(f"/r/{token}/claim/receipts/{receipt.id}/file").status_code == 404
    # The page's own PDF still comes out, with the note in it.
    pdf = client.get(f"/r/{token}/claim.pdf")
    assert pdf.status_code == 200
    assert "missing from the server's storage" in " ".join(pdf_text(pdf.data).split())
