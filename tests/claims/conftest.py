"""Claims ready for finance, shared by the review, document and batch tests."""

from datetime import date, datetime, timedelta

import pytest

from regsvc.claims.drafting import ClaimDetails, add_receipt, open_claim, save_details, submit_claim
from regsvc.claims.models import Claim, ExpenseKind, PayoutMethod, TravelMode
from regsvc.claims.receipts import process_upload
from regsvc.db import utcnow
from regsvc.events.fares import parse_fares, replace_fares
from regsvc.events.models import Event
from regsvc.roles import Role
from regsvc.storage import current_storage
from tests.claims.corpus import image_bytes, marked_picture


def after_start(session, claim_id: int) -> datetime:
    """A moment when the claim's event has started: claims are submitted from then on."""
    return session.get(Claim, claim_id).registration.event.starts_at + timedelta(hours=1)


def start_event(session, event_id: int) -> None:
    """The event began an hour ago (registration was open until then)."""
    event = session.get(Event, event_id)
    event.starts_at = utcnow() - timedelta(hours=1)
    session.commit()


@pytest.fixture
def finance_user(make_user):
    return make_user(Role.FINANCE, email="finance@example.org")


@pytest.fixture
def submitted(session, app, make_event, make_registration):
    """A submitted claim: by default two photo receipts of 1,900 RSD against a 3,600 RSD cap,
    stored in the app's upload folder; `files` gives other receipt files, one per amount."""

    def make(
        town="Niš",
        email=None,
        amounts=(190000, 190000),
        issued_on=date(2031, 6, 30),
        files=None,
        payout=(PayoutMethod.CASH, "", ""),
        event=None,
        **fields,
    ):
        if event is None:
            event = make_event(host_town="Belgrade", onsite_capacity=10)
            replace_fares(session, event, parse_fares("Niš, 3600", "RSD"), None)
        fields["departure_town"] = town
        if email:
            fields["email"] = email
        registration = make_registration(event, **fields).registration
        claim = open_claim(session, registration)
        save_details(session, claim.id, ClaimDetails(TravelMode.BUS, "Niš – Beograd", *payout))
        storage = current_storage()
        files = files or [(image_bytes(marked_picture(400, 300), "JPEG"), "ticket.jpg")] * len(amounts)
        for amount, (data, name) in zip(amounts, files, strict=True):
            add_receipt(
                session,
                claim.id,
                storage,
                process_upload(data, name),
                ExpenseKind.BUS_TICKET,
                issued_on,
                amount,
            )
        return submit_claim(session, claim.id, now=after_start(session, claim.id))

    return make
