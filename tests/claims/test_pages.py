"""The participant's claim pages, behind the private link."""

import html
import io
import re
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import select

from regsvc.claims.drafting import add_receipt
from regsvc.claims.models import Claim, ClaimStatus, ExpenseKind, Receipt
from regsvc.claims.receipts import MAX_RECEIPTS_PER_CLAIM, process_upload
from regsvc.events.fares import parse_fares, replace_fares
from regsvc.registration.models import Attendance
from regsvc.storage import current_storage
from tests.claims.conftest import start_event
from tests.claims.corpus import image_bytes, marked_picture, pdf_with_javascript
from tests.claims.test_documents import pdf_text
from tests.conftest import fresh
from tests.registration.test_pages import text_of


@pytest.fixture
def token(session, make_event, make_registration):
    """The private link of an on-site participant from Niš, whose refund is capped at 3,600 RSD."""
    event = make_event(host_town="Belgrade", onsite_capacity=5)
    replace_fares(session, event, parse_fares("Niš, 3600", "RSD"), None)
    return make_registration(event, departure_town="Niš").token


def upload(client, token, data, name="ticket.jpg", amount="1900", kind="bus_ticket", issued_on="2026-06-30"):
    """Send the new-receipt form; `data` None: no file chosen."""
    fields = {"kind": kind, "issued_on": issued_on, "amount": amount}
    if data is not None:
        fields["file"] = (io.BytesIO(data), name)
    return client.post(f"/r/{token}/claim/receipts", data=fields, content_type="multipart/form-data")


def complete(client, token, receipt_id, issued_on="2026-06-30", amount="1900", kind="bus_ticket"):
    """Send a stored receipt's own form, whose fields are named after the receipt."""
    prefix = f"receipt-{receipt_id}-"
    return client.post(
        f"/r/{token}/claim/receipts/{receipt_id}/details",
        data={prefix + "kind": kind, prefix + "issued_on": issued_on, prefix + "amount": amount},
    )


def error_of(response, field_id: str) -> str:
    """The error shown next to a field (the field macro's `<id>-error`), or ""."""
    found = re.search(rf'<p class="error" id="{field_id}-error">([^<]*)</p>', response.get_data(as_text=True))
    return html.unescape(found.group(1)) if found else ""


def value_of(response, name: str) -> str | None:
    """The value an input shows (None: no such input)."""
    found = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', response.get_data(as_text=True))
    return html.unescape(re.search(r'value="([^"]*)"', found.group(0)).group(1)) if found else None


def receipts(session):
    fresh(session)
    return session.scalars(select(Receipt).order_by(Receipt.id)).all()


def photo():
    return image_bytes(marked_picture(800, 600), "JPEG")


def test_the_claim_page_shows_the_cap(client, token):
    page = text_of(client.get(f"/r/{token}/claim"))
    assert "Travel claim" in page and "3,600.00 RSD" in page and "Draft" in page


def test_a_whole_claim_from_the_page(client, session, token):
    assert upload(client, token, photo()).status_code == 302
    assert upload(client, token, photo(), amount="2.100,00").status_code == 302
    details = {
        "travel_mode": "bus",
        "route": "Niš – Beograd",
        "payout_method": "bank",
        "account_number": "RS35 2600 0560 1001 6113 79",
        "account_holder": "Participant 1",
    }
    response = client.post(f"/r/{token}/claim/details", data=details)
    assert response.status_code == 302
    page = text_of(client.get(f"/r/{token}/claim"))
    assert "You claim 4,000.00 RSD." in page and "at most 3,600.00 RSD" in page
    # Before the event has started, the claim can be prepared but not submitted.
    response = client.post(
        f"/r/{token}/claim/details", data={**details, "and_submit": "1"}, follow_redirects=True
    )
    assert "You can submit your claim once the event has started, from" in text_of(response)
    fresh(session)
    claim = session.scalars(select(Claim)).one()
    assert claim.status == ClaimStatus.DRAFT
    start_event(session, claim.registration.event_id)
    # "Submit my claim" sends the trip-and-payment form with it: a change typed there is kept.
    details["route"] = "Niš – Beograd – Niš"
    response = client.post(
        f"/r/{token}/claim/details", data={**details, "and_submit": "1"}, follow_redirects=True
    )
    assert "Your claim is submitted" in text_of(response)
    fresh(session)
    claim = session.scalars(select(Claim)).one()
    assert claim.status == ClaimStatus.SUBMITTED and claim.cap == 360000 and claim.payable == 360000
    assert claim.account_number == "RS35260005601001611379" and claim.route == "Niš – Beograd – Niš"


def test_receipt_files_are_served_to_their_participant_only(
    client, session, token, make_event, make_registration
):
    upload(client, token, photo())
    receipt = session.scalars(select(Receipt)).one()
    response = client.get(f"/r/{token}/claim/receipts/{receipt.id}/thumbnail", buffered=True)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    with Image.open(io.BytesIO(response.data)) as thumbnail:
        assert max(thumbnail.size) <= 320
    other_token = make_registration(make_event()).token
    assert client.get(f"/r/{other_token}/claim/receipts/{receipt.id}/file").status_code == 404
    assert client.get(f"/r/{token}/claim/receipts/{receipt.id}/../../etc").status_code == 404


def test_bad_uploads_get_a_specific_message_and_save_nothing(client, session, token):
    response = upload(client, token, b"just text", name="fake.jpg")
    assert response.status_code == 422
    assert "not a photo or a PDF inside" in error_of(response, "file")
    response = upload(client, token, pdf_with_javascript(), name="ticket.pdf")
    assert response.status_code == 422 and "script" in error_of(response, "file").lower()
    response = upload(client, token, b"", name="empty.jpg")
    assert response.status_code == 422 and "The file is empty" in error_of(response, "file")
    assert receipts(session) == []


def test_a_refused_file_and_a_bad_amount_are_both_told_at_once(client, session, token):
    response = upload(client, token, b"just text", name="fake.jpg", amount="1.800", issued_on="2026-06-29")
    assert response.status_code == 422
    assert "not a photo or a PDF inside" in error_of(response, "file")
    assert "ambiguous" in error_of(response, "amount")
    assert "Not saved yet: see the messages next to the fields below." in text_of(response)
    # What was typed stays in the form; the file must be chosen again, as a browser never keeps it.
    assert (value_of(response, "amount"), value_of(response, "issued_on")) == ("1.800", "2026-06-29")
    response = upload(client, token, None, amount="", issued_on="")
    assert error_of(response, "file") == "Choose the photo or PDF of the receipt."
    assert error_of(response, "issued_on") == "Please enter the date on the receipt."
    assert error_of(response, "amount") == "Please enter the amount on the receipt."
    assert receipts(session) == []


def test_a_good_photo_is_kept_while_its_date_and_amount_are_wrong_and_completed_next_to_it(
    client, session, token
):
    response = upload(client, token, photo(), issued_on="30 June", amount="twelve", kind="fuel")
    assert response.status_code == 422
    [receipt] = receipts(session)
    assert (receipt.kind, receipt.issued_on, receipt.amount, receipt.complete) == ("fuel", None, None, False)
    # The errors are next to the stored receipt's own fields, with what was typed; the form for
    # a new receipt is empty again.
    prefix = f"receipt-{receipt.id}"
    assert error_of(response, f"{prefix}-issued_on") == "This is not a date. Choose the date on the receipt."
    assert (
        error_of(response, f"{prefix}-amount") == "“twelve” is not an amount: write it like 1800 or 1800.50."
    )
    assert (value_of(response, f"{prefix}-issued_on"), value_of(response, f"{prefix}-amount")) == (
        "30 June",
        "twelve",
    )
    assert value_of(response, "amount") == value_of(response, "issued_on") == ""
    assert error_of(response, "file") == error_of(response, "amount") == ""
    assert "The photo or PDF is saved." in text_of(response)
    # The claim page counts it as nothing yet, and says what is missing.
    page = text_of(client.get(f"/r/{token}/claim"))
    assert "Claimed 0.00 RSD" in page and "— Fuel bill · —" in page
    assert "Enter the date and the amount of every receipt: 1 receipt is not complete yet." in page
    pdf = pdf_text(client.get(f"/r/{token}/claim.pdf").data)
    assert "Receipt 1 of 1 · Fuel bill · — · —" in pdf and re.search(r"Total claimed\s+0\.00\sRSD", pdf)

    response = complete(client, token, receipt.id, issued_on="2026-06-30", amount="0", kind="fuel")
    assert response.status_code == 422
    assert error_of(response, f"{prefix}-amount") == "Enter the amount paid, as shown on the receipt."
    assert (value_of(response, f"{prefix}-issued_on"), value_of(response, f"{prefix}-amount")) == (
        "2026-06-30",
        "0",
    )
    assert receipts(session)[0].amount is None

    response = complete(client, token, receipt.id, issued_on="2026-06-30", amount="1.900,50", kind="fuel")
    assert response.status_code == 302
    [receipt] = receipts(session)
    assert (receipt.issued_on, receipt.amount, receipt.complete) == (date(2026, 6, 30), 190050, True)
    page = text_of(client.get(response.headers["Location"]))
    assert "Receipt saved." in page and "Claimed 1,900.50 RSD" in page and "Fuel bill · 30.06.2026" in page
    assert "not complete yet" not in page

    # A complete receipt is corrected the same way, behind "Correct".
    assert "Correct" in page
    assert complete(client, token, receipt.id, issued_on="2026-06-29", amount="1800").status_code == 302
    assert (receipts(session)[0].issued_on, receipts(session)[0].amount) == (date(2026, 6, 29), 180000)


def test_a_receipt_is_completed_only_behind_its_own_claims_link(
    client, session, token, make_event, make_registration
):
    upload(client, token, photo(), amount="")
    [receipt] = receipts(session)
    other = make_event(host_town="Belgrade")
    replace_fares(session, other, parse_fares("Niš, 3600", "RSD"), None)
    other_token = make_registration(other, departure_town="Niš").token
    upload(client, other_token, photo())  # opens the other participant's claim
    response = complete(client, other_token, receipt.id)
    assert response.status_code == 302
    assert "This receipt is not part of your claim." in text_of(client.get(response.headers["Location"]))
    assert receipts(session)[0].amount is None


def test_the_form_says_how_many_receipts_are_left_and_gives_way_at_the_limit(app, client, session, token):
    assert "You can add up to 10 receipts." in text_of(client.get(f"/r/{token}/claim"))
    assert upload(client, token, photo()).status_code == 302
    assert "You can add 9 more receipts." in text_of(client.get(f"/r/{token}/claim"))
    claim = session.scalars(select(Claim)).one()
    storage = current_storage()
    for _ in range(MAX_RECEIPTS_PER_CLAIM - 2):
        add_receipt(
            session,
            claim.id,
            storage,
            process_upload(photo(), "ticket.jpg"),
            ExpenseKind.TOLL,
            date(2026, 6, 30),
            500,
        )
    assert "You can add 1 more receipt." in text_of(client.get(f"/r/{token}/claim"))
    assert upload(client, token, photo()).status_code == 302

    response = client.get(f"/r/{token}/claim")
    assert (
        "Your claim has 10 receipts, the most a claim can have. To add another, remove one first."
        in text_of(response)
    )
    assert 'type="file"' not in response.get_data(as_text=True)
    # A page left open from before: the file is refused, and the page says why.
    response = upload(client, token, photo())
    assert response.status_code == 302
    assert "A claim can have at most 10 receipts." in text_of(client.get(response.headers["Location"]))
    assert len(receipts(session)) == MAX_RECEIPTS_PER_CLAIM


def test_an_invalid_account_is_explained_next_to_the_field(client, token):
    response = client.post(
        f"/r/{token}/claim/details",
        data={
            "travel_mode": "car",
            "route": "Niš – Beograd",
            "payout_method": "bank",
            "account_number": "160-123456-55",
        },
    )
    assert response.status_code == 422
    assert "check digits do not match" in text_of(response)
    assert 'value="160-123456-55"' in response.get_data(as_text=True)


def test_online_participants_are_told_why_they_cannot_claim(client, session, make_event, make_registration):
    event = make_event()
    token = make_registration(event, wanted=Attendance.ONLINE).token
    assert "refunded to on-site participants" in text_of(client.get(f"/r/{token}/claim"))
    response = upload(client, token, photo())
    assert response.status_code == 302
    assert "does not allow a travel claim" in text_of(client.get(response.headers["Location"]))


def test_the_participant_downloads_the_claim_pdf(client, token, make_event):
    assert client.get(f"/r/{token}/claim.pdf").status_code == 404  # nothing to print yet
    upload(client, token, photo())
    page = client.get(f"/r/{token}/claim").get_data(as_text=True)
    assert f"/r/{token}/claim.pdf" in page
    response = client.get(f"/r/{token}/claim.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    assert "Receipt 1 of 1" in pdf_text(response.data) and "Draft" in pdf_text(response.data)
    assert client.get("/r/not-a-token/claim.pdf").status_code == 404


def test_submitting_with_a_bad_account_saves_nothing_and_says_why(client, session, token):
    upload(client, token, photo())
    response = client.post(
        f"/r/{token}/claim/details",
        data={
            "travel_mode": "bus",
            "route": "Niš – Beograd",
            "payout_method": "bank",
            "account_number": "RS35 2600 0560 1001 6113 78",
            "and_submit": "1",
        },
    )
    assert response.status_code == 422 and "check digits" in text_of(response)
    fresh(session)
    assert session.scalars(select(Claim)).one().status == ClaimStatus.DRAFT
