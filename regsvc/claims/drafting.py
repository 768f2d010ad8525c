"""What a participant does with their claim: fill it in, attach receipts, submit it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from regsvc.audit.services import PARTICIPANT, record
from regsvc.claims.accounts import parse_account
from regsvc.claims.models import Claim, ClaimStatus, ExpenseKind, PayoutMethod, Receipt, TravelMode
from regsvc.claims.receipts import (
    MAX_RECEIPTS_PER_CLAIM,
    ProcessedReceipt,
    check_room_for_receipt,
    stage_receipt,
)
from regsvc.claims.services import travel_refund
from regsvc.claims.transitions import TransitionRefused, locked_claim
from regsvc.db import utcnow, write_transaction
from regsvc.formatting import event_datetime
from regsvc.money import AmountError, to_minor_units
from regsvc.registration.models import Registration
from regsvc.storage import Storage

EDITABLE = (ClaimStatus.DRAFT, ClaimStatus.NEEDS_INFO)
_NOTHING_PAID = _l("Enter the amount paid, as shown on the receipt.")

log = logging.getLogger(__name__)


class ClaimError(Exception):
    """The claim cannot do this now; the message says why, in plain words."""


@dataclass(frozen=True)
class ClaimDetails:
    travel_mode: TravelMode
    route: str
    payout_method: PayoutMethod
    account_number: str = ""
    account_holder: str = ""


def submittable_from(event) -> str:
    """When the event's claims can be submitted, as the event's people read it."""
    return event_datetime(event.starts_at, event, "short") + f" ({event.timezone})"


def claim_of(session: Session, registration: Registration) -> Claim | None:
    return session.scalar(select(Claim).where(Claim.registration_id == registration.id))


def open_claim(session: Session, registration: Registration) -> Claim:
    """The participant's claim, created as a draft the first time; only for those eligible.
    Idempotent: of two first receipts sent at once, both find the one claim."""
    existing = claim_of(session, registration)
    if existing is not None:
        return existing
    if not travel_refund(session, registration).eligible:
        raise ClaimError(_l("Your registration does not allow a travel claim."))
    try:
        with write_transaction(session):
            claim = Claim(registration_id=registration.id, currency=registration.event.currency)
            session.add(claim)
            session.flush()
            record(session, PARTICIPANT, "claim.opened", event_id=registration.event_id, subject=claim)
    except IntegrityError:
        # Opened by another request meanwhile (one claim per registration: a unique index).
        existing = claim_of(session, registration)
        if existing is None:
            raise
        return existing
    return claim


def _editable(session: Session, claim_id: int) -> Claim:
    """The claim, locked, if the participant may still change it (ClaimError otherwise)."""
    try:
        return locked_claim(session, claim_id, EDITABLE)
    except TransitionRefused:
        raise ClaimError(_l("This claim is submitted: it can no longer be changed.")) from None


def save_details(session: Session, claim_id: int, details: ClaimDetails) -> Claim:
    """Travel mode, route and how the money is paid. A bank account must be valid
    (IBAN, or Serbian or Macedonian account number with its check digits)."""
    account = parse_account(details.account_number) if details.payout_method == PayoutMethod.BANK else None
    with write_transaction(session):
        claim = _editable(session, claim_id)
        claim.travel_mode = details.travel_mode
        claim.route = details.route.strip()
        claim.payout_method = details.payout_method
        claim.account_number = account.number if account else ""
        claim.account_holder = details.account_holder.strip() if account else ""
    return claim


def receipt_amount(text: str, currency: str) -> int:
    """A receipt's amount as the participant typed it, in minor units of the claim's currency;
    AmountError, saying what to type, when it is not an amount paid."""
    amount = to_minor_units(text, currency)
    if amount <= 0:
        raise AmountError(_NOTHING_PAID)
    return amount


def receipts_left(claim: Claim | None) -> int:
    """How many more receipts the claim can take."""
    return max(MAX_RECEIPTS_PER_CLAIM - (len(claim.receipts) if claim else 0), 0)


def add_receipt(
    session: Session,
    claim_id: int,
    storage: Storage,
    processed: ProcessedReceipt,
    kind: ExpenseKind,
    issued_on: date | None,
    amount: int | None,
) -> Receipt:
    """Attach a processed receipt file. Its files reach the storage only if this commits.
    Without a date or an amount the receipt is kept, incomplete, for the participant to
    complete (update_receipt): they never have to choose the file again."""
    if amount is not None and amount <= 0:
        raise ClaimError(_NOTHING_PAID)
    with write_transaction(session):
        claim = _editable(session, claim_id)
        check_room_for_receipt(
            session.execute(
                select(func.count()).select_from(Receipt).where(Receipt.claim_id == claim.id)
            ).scalar_one()
        )
        names = stage_receipt(session, storage, processed)
        receipt = Receipt(
            claim=claim,
            kind=kind,
            issued_on=issued_on,
            amount=amount,
            stored_name=names.stored_name,
            preview_name=names.preview_name,
            thumbnail_name=names.thumbnail_name,
            sha256=processed.sha256,
            stored_sha256=processed.stored_sha256,
            mime=processed.mime,
            size=processed.size,
            original_name=processed.display_name,
        )
        session.add(receipt)
    return receipt


def update_receipt(
    session: Session, claim_id: int, receipt_id: int, kind: ExpenseKind, issued_on: date, amount: int
) -> Receipt:
    """Complete a receipt kept without its date or amount, or correct one: while the claim
    may still be changed, and only a receipt of this claim."""
    if amount <= 0:
        raise ClaimError(_NOTHING_PAID)
    with write_transaction(session):
        claim = _editable(session, claim_id)
        receipt = _receipt_of(session, claim, receipt_id)
        receipt.kind = kind
        receipt.issued_on = issued_on
        receipt.amount = amount
    return receipt


def _receipt_of(session: Session, claim: Claim, receipt_id: int) -> Receipt:
    receipt = session.get(Receipt, receipt_id)
    if receipt is None or receipt.claim_id != claim.id:
        raise ClaimError(_l("This receipt is not part of your claim."))
    return receipt


def remove_receipt(session: Session, claim_id: int, receipt_id: int, storage: Storage) -> None:
    with write_transaction(session):
        claim = _editable(session, claim_id)
        receipt = _receipt_of(session, claim, receipt_id)
        names = [receipt.stored_name, receipt.thumbnail_name, receipt.preview_name]
        session.delete(receipt)
    for name in names:  # only once the row is gone; a failed delete leaves a stray for sweep-uploads
        if name:
            try:
                storage.delete(name)
            except OSError:
                # The receipt is removed all the same: its file goes with the next sweep.
                log.exception("could not delete the file of a removed receipt: %s", name)


def submit_claim(session: Session, claim_id: int, now: datetime | None = None) -> Claim:
    """Send the claim to finance, freezing the cap: the return-bus fare from the
    participant's town as the fare table says at this moment (None: finance sets it).
    Only once the event has started: a claim is for a trip made."""
    now = now or utcnow()
    with write_transaction(session):
        claim = _editable(session, claim_id)
        event = claim.registration.event
        if now < event.starts_at:
            raise ClaimError(
                _l(
                    "You can submit your claim once the event has started, from %(when)s. "
                    "Until then you can prepare it and add receipts.",
                    when=submittable_from(event),
                )
            )
        if not claim.receipts:
            raise ClaimError(_l("Attach at least one receipt: a bus ticket, a fuel bill or a toll bill."))
        incomplete = sum(not receipt.complete for receipt in claim.receipts)
        if incomplete:
            raise ClaimError(
                lazy_ngettext(
                    "Enter the date and the amount of every receipt: %(num)d receipt is not complete yet.",
                    "Enter the date and the amount of every receipt: %(num)d receipts are not complete yet.",
                    incomplete,
                )
            )
        if not claim.travel_mode or not claim.route or not claim.payout_method:
            raise ClaimError(_l("Fill in how you travelled, your route and how you want to be paid."))
        refund = travel_refund(session, claim.registration)
        if not refund.eligible:
            raise ClaimError(_l("Your registration no longer allows a travel claim."))
        before = claim.status
        claim.cap = refund.cap
        claim.status = ClaimStatus.SUBMITTED
        claim.submitted_at = now
        record(
            session,
            PARTICIPANT,
            "claim.submitted",
            subject=claim,
            event_id=claim.registration.event_id,
            before=before,
            claimed=claim.claimed,
            cap=claim.cap,
        )
    return claim
