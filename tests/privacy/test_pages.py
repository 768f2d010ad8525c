"""Client tests of the participant's data pages: the download, the erasure, the privacy notice."""

import html
import io
import json
import zipfile

from flask import render_template

from regsvc.claims.review import approve, mark_paid
from regsvc.money import format_money
from regsvc.privacy.services import ERASED_NAME, years_after
from regsvc.registration.models import Registration, RegistrationLink
from regsvc.security import hash_token, new_token
from tests.conftest import fresh
from tests.privacy.conftest import draft_claim, end_event
from tests.registration import test_pages


def text_of(response) -> str:
    return html.unescape(test_pages.text_of(response))


def _token_of(session, claim) -> str:
    """A new private link to the claim's registration (the fixture keeps none)."""
    token = new_token()
    session.add(RegistrationLink(registration_id=claim.registration_id, token_hash=hash_token(token)))
    session.commit()
    return token


def test_the_private_page_section_offers_the_download_and_the_erasure(app, make_event, make_registration):
    outcome = make_registration(make_event())
    with app.test_request_context():
        html = render_template(
            "privacy/_participant.html", registration=outcome.registration, token=outcome.token
        )
    assert f'href="/r/{outcome.token}/my-data.zip"' in html
    assert f'href="/r/{outcome.token}/erase"' in html
    assert "Your data" in html


def test_download_my_data(client, session, submitted):
    claim = submitted(full_name="Ana Ilić")
    token = _token_of(session, claim)

    with client.get(f"/r/{token}/my-data.zip") as response:
        body = response.get_data()

    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == "attachment; filename=my-data.zip"
    with zipfile.ZipFile(io.BytesIO(body)) as bundle:
        data = json.loads(bundle.read("data.json"))
        assert data["registration"]["full_name"] == "Ana Ilić"
        assert data["travel_claim"]["status"] == "submitted"
        assert [item["created_at"] for item in data["private_links"]] and "token" not in json.dumps(
            data["private_links"]
        )
        assert bundle.read("receipts/receipt-1.jpg")[:3] == b"\xff\xd8\xff"  # the stored JPEG


def test_the_download_needs_a_working_link(client):
    assert client.get(f"/r/{new_token()}/my-data.zip").status_code == 404


def test_the_erasure_page_says_what_is_erased(client, make_event, make_registration):
    outcome = make_registration(make_event(onsite_capacity=5))

    page = text_of(client.get(f"/r/{outcome.token}/erase"))

    assert "Erase your data?" in page
    assert "Your name and your town of departure." in page
    assert "this page stops working" in page
    assert "your registration is cancelled first" in page and "Your on-site seat goes to" in page
    assert "kept for the donor's audit" not in page


def test_the_erasure_page_says_what_is_kept_and_until_when(app, client, session, submitted):
    claim = submitted()
    event = end_event(session, claim.registration.event_id, days_ago=3)
    token = _token_of(session, claim)

    page = text_of(client.get(f"/r/{token}/erase"))

    until = years_after(event.ends_at, 10).astimezone(event.zone)
    with app.test_request_context():
        amount = format_money(claim.claimed, "RSD").replace("\xa0", " ")
    assert (
        f"Your claim of {amount} must be kept for the donor's audit until {until.day} {until:%B %Y}; "
        "everything else is erased." in page
    )
    assert "Your name and your town of departure." not in page
    assert "can no longer write to you" in page


def test_erasure_needs_the_box_ticked(client, session, make_event, make_registration):
    outcome = make_registration(make_event())

    response = client.post(f"/r/{outcome.token}/erase", data={})

    assert response.status_code == 422
    assert "Tick the box to confirm" in text_of(response)
    fresh(session)
    assert session.get(Registration, outcome.registration.id).full_name == outcome.registration.full_name


def test_erasure_through_the_page(client, session, make_event, make_registration):
    outcome = make_registration(make_event())

    response = client.post(f"/r/{outcome.token}/erase", data={"confirm": "y"})

    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = text_of(client.get("/"))
    assert "Your data is erased." in page and "The link to your registration no longer works." in page
    assert client.get(f"/r/{outcome.token}/").status_code == 404
    fresh(session)
    assert session.get(Registration, outcome.registration.id).full_name == ERASED_NAME


def test_after_the_erasure_the_page_says_what_is_kept(client, session, submitted):
    claim = submitted()
    end_event(session, claim.registration.event_id, days_ago=3)
    token = _token_of(session, claim)

    client.post(f"/r/{token}/erase", data={"confirm": "y"})

    page = text_of(client.get("/"))
    assert "must be kept for the donor's audit until" in page and "everything else is erased" in page


def test_the_privacy_notice_states_the_periods_roles_and_what_participants_can_do(app, client):
    app.config.update(RETENTION_DAYS_AFTER_EVENT=90, AUDIT_RETENTION_YEARS=7)

    page = text_of(client.get("/privacy"))

    assert "The retention period ends 90 days after the event" in page
    assert "for 7 years after the event" in page
    for role in ("Organisers:", "Desk staff at the venue:", "Finance staff:"):
        assert role in page
    assert "download everything we store about you" in page and "have your data erased" in page


def test_the_private_page_keeps_working_for_others(client, make_event, make_registration):
    event = make_event()
    erased, other = make_registration(event), make_registration(event)
    client.post(f"/r/{erased.token}/erase", data={"confirm": "y"})
    assert client.get(f"/r/{other.token}/").status_code == 200


def test_a_draft_claim_is_named_on_the_erasure_page(client, session, storage, make_event, make_registration):
    outcome = make_registration(make_event(host_town="Belgrade"))
    draft_claim(session, storage, outcome.registration)
    assert "Your travel claim, which you have not submitted, with its receipts." in text_of(
        client.get(f"/r/{outcome.token}/erase")
    )


def test_a_paid_claim_is_kept_without_promising_a_decision(client, session, submitted, finance_user):
    claim = submitted()
    approve(session, claim.id, finance_user)
    mark_paid(session, claim.id, finance_user)
    end_event(session, claim.registration.event_id, days_ago=3)

    page = text_of(client.get(f"/r/{_token_of(session, claim)}/erase"))

    assert "must be kept for the donor's audit" in page and "bank account" not in page  # paid in cash
    assert "Finance still decides" not in page
