"""Privacy fixtures: claims, and events moved into the past."""

from datetime import date, timedelta

import pytest

from regsvc.claims.drafting import add_receipt, open_claim
from regsvc.claims.models import Claim, ExpenseKind
from regsvc.claims.receipts import process_upload
from regsvc.db import utcnow
from regsvc.events.models import Event
from regsvc.privacy.services import years_after
from regsvc.storage import Storage, current_storage
from tests.claims.conftest import finance_user, submitted  # noqa: F401 - fixtures of the tests here
from tests.claims.corpus import image_bytes, marked_picture


@pytest.fixture
def storage(app):
    return current_storage()


def end_event(session, event_id: int, *, days_ago: float = 0, years_ago: int = 0) -> Event:
    """The event took place in the past: it ended that long ago, after six hours."""
    event = session.get(Event, event_id)
    ended = utcnow() - timedelta(days=days_ago)
    event.ends_at = years_after(ended, -years_ago)
    event.starts_at = event.ends_at - timedelta(hours=6)
    event.registration_opens_at = event.starts_at - timedelta(days=60)
    event.registration_closes_at = event.starts_at - timedelta(days=1)
    session.commit()
    return event


def draft_claim(session, storage: Storage, registration) -> Claim:
    """A claim the participant began, with one photo receipt, never submitted."""
    claim = open_claim(session, registration)
    upload = process_upload(image_bytes(marked_picture(400, 300), "JPEG"), "ticket.jpg")
    add_receipt(session, claim.id, storage, upload, ExpenseKind.BUS_TICKET, date(2031, 6, 30), 120000)
    return claim


def stored_files(claim: Claim) -> list[str]:
    return [
        name
        for receipt in claim.receipts
        for name in (receipt.stored_name, receipt.preview_name, receipt.thumbnail_name)
        if name
    ]
