"""The participant's claim pages, behind the private link."""

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from regsvc.claims.models import Claim, ClaimStatus, Receipt
from regsvc.events.fares import parse_fares, replace_fares
from tests.claims.conftest import start_event
from tests.claims.corpus import image_bytes, marked_picture, pdf_with_javascript
from tests.claims.test_documents import pdf_text
from tests.conftest import form_data, fresh
from tests.registration.test_pages import text_of


@pytest.fixture
def token(app, client, session, make_event):
    event = make_event(host_town="Belgrade", onsite_capacity=5)
    replace_fares(session, event, parse_fares("Niš, 3600", "RSD"), None)
    location = client.post(f"/e/{event.slug}/register", data=form_data(1, departure_town="Niš")).headers[
        "Location"
    ]
    return re.search(r"/r/([^/]+)/", location).group(1)


def upload(client, token, data, name="ticket.jpg", amount="1900", kind="bus_ticket"):
    return client.post(
        f"/r/{token}/claim/receipts",
        data={"file": (io.BytesIO(data), name), "kind": kind, "issued_on": "2026-06-30", "amount": amount},
        content_type="multipart/form-data",
    )


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


def test_receipt_files_are_served_to_their_participant_only(app, client, session, token, make_event):
    upload(client, token, photo())
    receipt = session.scalars(select(Receipt)).one()
    response = client.get(f"/r/{token}/claim/receipts/{receipt.id}/thumbnail", buffered=True)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    with Image.open(io.BytesIO(response.data)) as thumbnail:
        assert max(thumbnail.size) <= 320
    other = make_event()
    other_location = client.post(f"/e/{other.slug}/register", data=form_data(2)).headers["Location"]
    other_token = re.search(r"/r/([^/]+)/", other_location).group(1)
    assert client.get(f"/r/{other_token}/claim/receipts/{receipt.id}/file").status_code == 404
    assert client.get(f"/r/{token}/claim/receipts/{receipt.id}/../../etc").status_code == 404


def test_bad_uploads_get_a_specific_message_and_save_nothing(client, session, token):
    response = upload(client, token, b"just text", name="fake.jpg")
    assert response.status_code == 422
    assert "not" in text_of(response).lower()
    response = upload(client, token, pdf_with_javascript(), name="ticket.pdf")
    assert response.status_code == 422 and "script" in text_of(response).lower()
    response = upload(client, token, photo(), amount="1.800")
    assert response.status_code == 422 and "ambiguous" in text_of(response)
    response = upload(client, token, b"", name="empty.jpg")
    assert response.status_code == 422
    fresh(session)
    assert session.scalars(select(Receipt)).all() == []


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


def test_online_participants_are_told_why_they_cannot_claim(client, session, make_event):
    event = make_event()
    location = client.post(f"/e/{event.slug}/register", data=form_data(3, attendance="online")).headers[
        "Location"
    ]
    token = re.search(r"/r/([^/]+)/", location).group(1)
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
