"""A participant's claim, from draft to submission (DESIGN §2: receipts, cap, payable)."""

from datetime import date

import pytest
from alembic import command
from PIL import Image
from sqlalchemy import create_engine, select, text

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
    update_receipt,
)
from regsvc.claims.models import ClaimStatus, ExpenseKind, PayoutMethod, TravelMode
from regsvc.claims.receipts import MAX_RECEIPTS_PER_CLAIM, ReceiptRejected, process_upload
from regsvc.events.fares import parse_fares, replace_fares
from regsvc.migrating import alembic_config
from regsvc.registration.models import Attendance
from regsvc.storage import LocalStorage
from tests.claims.conftest import after_start
from tests.claims.corpus import clean_pdf, image_bytes, marked_picture

BUS = ClaimDetails(
    TravelMode.BUS, "Niš – Beograd – Niš", PayoutMethod.BANK, "160-0000000123456-54", "Ana Ilić"
)


@pytest.fixture
def storage(tmp_path):
    return LocalStorage(tmp_path / "uploads")


@pytest.fixture
def claimant(session, make_event, make_registration):
    event = make_event(host_town="Belgrade", onsite_capacity=10)
    replace_fares(session, event, parse_fares("Niš, 3600", "RSD"), None)
    return make_registration(event, departure_town="Niš").registration


def photo() -> bytes:
    return image_bytes(marked_picture(800, 600), "JPEG")


def attach(
    session, storage, claim, amount, *, kind=ExpenseKind.BUS_TICKET, file=None, issued_on=date(2026, 6, 30)
):
    """Add a receipt (a photo unless `file` is given), dated `issued_on` (None: not entered yet)."""
    processed = process_upload(file if file is not None else photo(), "receipt.jpg")
    return add_receipt(session, claim.id, storage, processed, kind, issued_on, amount)


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


def test_an_incomplete_receipt_counts_nothing_and_holds_the_submission_back(session, storage, claimant):
    claim = open_claim(session, claimant)
    save_details(session, claim.id, BUS)
    attach(session, storage, claim, 190000)
    # The file is kept without its date, or its amount, or either: the participant adds them later.
    no_date = attach(session, storage, claim, 50000, kind=ExpenseKind.TOLL, issued_on=None)
    nothing = attach(session, storage, claim, None, kind=ExpenseKind.FUEL, issued_on=None)
    assert not no_date.complete and not nothing.complete and nothing.amount is None
    assert len(stored_files(storage)) == 6  # every file, with its thumbnail
    assert claim.claimed == 190000  # the incomplete ones count nothing, even with an amount
    with pytest.raises(
        ClaimError, match="Enter the date and the amount of every receipt: 2 receipts are not"
    ):
        submit_claim(session, claim.id, now=after_start(session, claim.id))

    update_receipt(session, claim.id, no_date.id, ExpenseKind.TOLL, date(2026, 6, 30), 50000)
    with pytest.raises(ClaimError, match="every receipt: 1 receipt is not complete yet"):
        submit_claim(session, claim.id, now=after_start(session, claim.id))
    completed = update_receipt(session, claim.id, nothing.id, ExpenseKind.FUEL, date(2026, 6, 29), 120050)
    assert completed.complete and (completed.issued_on, completed.amount) == (date(2026, 6, 29), 120050)
    submitted = submit_claim(session, claim.id, now=after_start(session, claim.id))
    assert submitted.status == ClaimStatus.SUBMITTED and submitted.claimed == 360050


def test_a_receipt_is_corrected_only_in_its_own_claim_while_the_claim_can_change(
    session, storage, make_registration, claimant
):
    claim = open_claim(session, claimant)
    save_details(session, claim.id, BUS)
    receipt = attach(session, storage, claim, 190000)
    other_claim = open_claim(session, make_registration(claimant.event, departure_town="Niš").registration)
    others = attach(session, storage, other_claim, None, issued_on=None)

    with pytest.raises(ClaimError, match="not part of your claim"):
        update_receipt(session, claim.id, others.id, ExpenseKind.FUEL, date(2026, 6, 30), 100)
    with pytest.raises(ClaimError, match="Enter the amount paid"):
        update_receipt(session, claim.id, receipt.id, ExpenseKind.FUEL, date(2026, 6, 30), 0)
    session.expire_all()
    assert session.get(type(receipt), others.id).amount is None
    assert session.get(type(receipt), receipt.id).kind == ExpenseKind.BUS_TICKET

    corrected = update_receipt(
        session, claim.id, receipt.id, ExpenseKind.BUS_TICKET, date(2026, 7, 1), 180000
    )
    assert (corrected.issued_on, corrected.amount) == (date(2026, 7, 1), 180000)
    submit_claim(session, claim.id, now=after_start(session, claim.id))
    with pytest.raises(ClaimError, match="can no longer be changed"):
        update_receipt(session, claim.id, receipt.id, ExpenseKind.BUS_TICKET, date(2026, 7, 1), 999999)
    session.expire_all()
    assert session.get(type(receipt), receipt.id).amount == 180000


def test_the_schema_goes_back_below_0009_only_when_every_receipt_is_complete(tmp_path):
    """Migration 0009 lets a receipt wait for its date and amount; going back would have to make
    them up, so it refuses while one waits."""
    url = f"sqlite:///{tmp_path / 'receipts.sqlite3'}"
    config = alembic_config(url)
    command.upgrade(config, "0009")
    engine = create_engine(url)
    with (
        engine.begin() as connection
    ):  # SQLite leaves foreign keys unchecked: no event or registration needed
        connection.execute(
            text(
                "INSERT INTO claims (id, registration_id, status, travel_mode, route, payout_method,"
                " account_number, account_holder, currency, created_at)"
                " VALUES (1, 1, 'draft', '', '', '', '', '', 'RSD', '2026-06-30')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO receipts (claim_id, kind, issued_on, amount, stored_name, thumbnail_name,"
                " sha256, mime, size, original_name, created_at)"
                " VALUES (1, 'fuel', NULL, 150000, 'a.jpg', 'a-t.jpg', 'x', 'image/jpeg', 1, '', '2026-06-30')"
            )
        )
    with pytest.raises(RuntimeError, match="1 receipt\\(s\\) have no date or no amount yet"):
        command.downgrade(config, "0008")
    with engine.begin() as connection:
        connection.execute(text("UPDATE receipts SET issued_on = '2026-06-30'"))
    command.downgrade(config, "0008")
    with engine.connect() as connection:
        columns = connection.execute(text("PRAGMA table_info(receipts)")).mappings().all()
        assert connection.execute(text("SELECT amount FROM receipts")).scalar_one() == 150000
    engine.dispose()
    assert {column["name"]: column["notnull"] for column in columns}.items() >= {
        "amount": 1,
        "issued_on": 1,
    }.items()
