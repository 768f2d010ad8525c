"""A participant's claim, from draft to submission (DESIGN §2: receipts, cap, payable)."""

from datetime import date

import pytest
from PIL import Image
from sqlalchemy import select

from regsvc.audit.models import AuditEntry
from regsvc.claims.accounts import BankAccountError, parse_account
from regsvc.claims.drafting import (
    ClaimDetails,
    ClaimError,
    add_receipt,
    open_claim,
    remove_receipt,
    save_details,
    submit_claim,
)
from regsvc.claims.models import ClaimStatus, ExpenseKind, PayoutMethod, TravelMode
from regsvc.claims.receipts import MAX_RECEIPTS_PER_CLAIM, ReceiptRejected, process_upload
from regsvc.events.fares import parse_fares, replace_fares
from regsvc.registration.models import Attendance
from regsvc.storage import Storage
from tests.claims.conftest import after_start
from tests.claims.corpus import clean_pdf, image_bytes, marked_picture

BUS = ClaimDetails(
    TravelMode.BUS, "Niš – Beograd – Niš", PayoutMethod.BANK, "160-0000000123456-54", "Ana Ilić"
)


@pytest.fixture
def storage(tmp_path):
    return Storage(tmp_path / "uploads")


@pytest.fixture
def claimant(session, make_event, make_registration):
    event = make_event(host_town="Belgrade", onsite_capacity=10)
    replace_fares(session, event, parse_fares("Niš, 3600", "RSD"), None)
    return make_registration(event, departure_town="Niš").registration


def photo() -> bytes:
    return image_bytes(marked_picture(800, 600), "JPEG")


def attach(session, storage, claim, amount, *, kind=ExpenseKind.BUS_TICKET, file=None):
    """Add a receipt (a photo unless `file` is given) dated the day of the event."""
    processed = process_upload(file if file is not None else photo(), "receipt.jpg")
    return add_receipt(session, claim.id, storage, processed, kind, date(2026, 6, 30), amount)


def stored_files(storage):
    return sorted(p.name for p in storage.root.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("RS35 2600 0560 1001 6113 79", "RS35 2600 0560 1001 6113 79"),
        ("MK07300000000042425", "MK07 3000 0000 0042 425"),
        ("160-123456-54", "160-0000000123456-54"),
        ("160000000012345654", "160-0000000123456-54"),
        ("300000000042425", "300000000042425"),
    ],
)
def test_valid_accounts_are_normalised(number, shown):
    assert str(parse_account(number)) == shown


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("RS35260005601001611378", "check digits do not match"),
        ("160-123456-55", "check digits do not match"),
        ("RS352600056010016113", "An IBAN from RS has 22 characters"),
        ("12345", "Enter an IBAN, or a Serbian"),
        ("", "Please enter the account number"),
    ],
)
def test_bad_accounts_say_what_is_wrong(number, message):
    with pytest.raises(BankAccountError, match=message):
        parse_account(number)


def test_only_eligible_participants_open_a_claim(session, make_event, make_registration, claimant):
    claim = open_claim(session, claimant)
    assert claim.status == ClaimStatus.DRAFT and claim.currency == "RSD"
    assert open_claim(session, claimant).id == claim.id  # one claim per registration
    online = make_registration(claimant.event, wanted=Attendance.ONLINE, departure_town="Niš").registration
    with pytest.raises(ClaimError, match="does not allow a travel claim"):
        open_claim(session, online)


def test_payable_is_the_claimed_sum_up_to_the_frozen_cap(session, storage, claimant):
    claim = open_claim(session, claimant)
    save_details(session, claim.id, BUS)
    attach(session, storage, claim, 190000)
    attach(session, storage, claim, 190000, file=clean_pdf())
    assert claim.cap is None and claim.payable is None  # not frozen before submission

    submitted = submit_claim(session, claim.id, now=after_start(session, claim.id))
    assert submitted.status == ClaimStatus.SUBMITTED
    assert (submitted.claimed, submitted.cap, submitted.payable) == (380000, 360000, 360000)
    # A later change of the fare table does not move a submitted claim's cap.
    replace_fares(session, claimant.event, parse_fares("Niš, 5000", "RSD"), None)
    session.expire_all()
    assert session.get(type(claim), claim.id).cap == 360000
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "claim.submitted")).one()
    assert entry.details["cap"] == 360000 and entry.actor_label == "participant"


def test_a_town_missing_from_the_fare_table_leaves_the_cap_to_finance(
    session, storage, make_registration, claimant
):
    other = make_registration(claimant.event, departure_town="Bor").registration
    claim = open_claim(session, other)
    save_details(session, claim.id, ClaimDetails(TravelMode.CAR, "Bor – Beograd", PayoutMethod.CASH))
    attach(session, storage, claim, 420000, kind=ExpenseKind.FUEL)
    submitted = submit_claim(session, claim.id, now=after_start(session, claim.id))
    assert submitted.cap is None and submitted.payable is None and submitted.claimed == 420000


def test_submission_needs_receipts_and_details(session, storage, claimant):
    claim = open_claim(session, claimant)
    with pytest.raises(ClaimError, match="Attach at least one receipt"):
        submit_claim(session, claim.id, now=after_start(session, claim.id))
    attach(session, storage, claim, 50000, kind=ExpenseKind.TOLL)
    with pytest.raises(ClaimError, match="Fill in how you travelled"):
        submit_claim(session, claim.id, now=after_start(session, claim.id))


def test_a_submitted_claim_cannot_be_changed(session, storage, claimant):
    claim = open_claim(session, claimant)
    save_details(session, claim.id, BUS)
    attach(session, storage, claim, 100000)
    submit_claim(session, claim.id, now=after_start(session, claim.id))
    with pytest.raises(ClaimError, match="can no longer be changed"):
        save_details(session, claim.id, BUS)
    with pytest.raises(ClaimError, match="can no longer be changed"):
        attach(session, storage, claim, 100, kind=ExpenseKind.TOLL)


def test_an_invalid_account_saves_nothing(session, claimant):
    claim = open_claim(session, claimant)
    with pytest.raises(BankAccountError):
        save_details(session, claim.id, ClaimDetails(TravelMode.BUS, "x", PayoutMethod.BANK, "160-123456-55"))
    session.expire_all()
    assert session.get(type(claim), claim.id).route == ""


def test_receipt_files_are_stored_upright_and_removed_with_the_receipt(session, storage, claimant):
    claim = open_claim(session, claimant)
    receipt = attach(session, storage, claim, 100000)
    with Image.open(storage.path(receipt.stored_name)) as stored:
        assert stored.size == (800, 600) and not stored.getexif()
    assert len(stored_files(storage)) == 2  # the image and its thumbnail
    remove_receipt(session, claim.id, receipt.id, storage)
    assert stored_files(storage) == []


def test_a_failed_receipt_leaves_no_file(session, storage, claimant):
    claim = open_claim(session, claimant)
    with pytest.raises(ClaimError, match="Enter the amount paid"):
        attach(session, storage, claim, 0, kind=ExpenseKind.FUEL)
    for _ in range(MAX_RECEIPTS_PER_CLAIM):
        attach(session, storage, claim, 1, kind=ExpenseKind.FUEL)
    files = stored_files(storage)
    with pytest.raises(ReceiptRejected, match="at most 10 receipts"):
        attach(session, storage, claim, 1, kind=ExpenseKind.FUEL)
    assert stored_files(storage) == files
