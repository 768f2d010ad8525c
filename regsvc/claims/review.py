"""Finance staff review claims: approve (never above the cap without a logged override),
approve less with a reason, reject, ask for more information, mark paid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from regsvc.audit.models import AuditEntry
from regsvc.audit.services import record
from regsvc.auth.models import StaffUser
from regsvc.claims.models import Claim, ClaimStatus, PayoutMethod, Receipt
from regsvc.claims.receipts import receipts_without_file
from regsvc.claims.transitions import TransitionRefused, locked_claim
from regsvc.db import write_transaction
from regsvc.formatting import staff_datetime
from regsvc.mail.services import queue_mail
from regsvc.money import AmountError, format_money, to_minor_units
from regsvc.pagination import Page, paginate
from regsvc.registration.labels import ATTENDANCE
from regsvc.registration.models import Registration
from regsvc.storage import Storage
from regsvc.text import mailbox_key, person_name_key

QUEUE_PAGE = 50


class ReviewError(Exception):
    """Finance cannot do this to the claim; the message says why."""


@dataclass(frozen=True)
class QueueRow:
    claim: Claim
    claimed: int


def finance_queue(
    session: Session, *, event_id: int | None = None, status: str = "", page: int = 1
) -> Page[QueueRow]:
    """Claims to review, oldest submission first, with their claimed sums (summed in SQL,
    so the receipts are not loaded): two queries whatever the number of claims."""
    claimed = (
        select(func.coalesce(func.sum(Receipt.amount), 0))
        # As Claim.claimed: an incomplete receipt counts nothing yet.
        .where(Receipt.claim_id == Claim.id, Receipt.issued_on.is_not(None))
        .scalar_subquery()
    )
    conditions = [Claim.status != ClaimStatus.DRAFT]
    if status in set(ClaimStatus):
        conditions.append(Claim.status == status)
    if event_id:
        conditions.append(Registration.event_id == event_id)
    query = (
        select(Claim, claimed)
        .join(Registration, Claim.registration_id == Registration.id)
        .where(*conditions)
        .options(lazyload(Claim.receipts))
        .order_by(Claim.submitted_at, Claim.id)
    )
    found = paginate(session, query, page, QUEUE_PAGE, scalars=False)
    rows = [QueueRow(claim, amount) for claim, amount in found.items]
    return Page(items=rows, total=found.total, number=found.number, pages=found.pages)


def advisory_flags(session: Session, claim: Claim, storage: Storage) -> list[str]:
    """What finance should look at twice. Shown on the claim; never blocks anything."""
    registration = claim.registration
    event = registration.event
    flags = []
    missing = receipts_without_file(claim.receipts, storage)
    if missing:
        numbers = ", ".join(
            str(number) for number, receipt in enumerate(claim.receipts, 1) if receipt.id in missing
        )
        flags.append(
            str(
                _l(
                    "The file of receipt %(numbers)s is missing from the server's storage: restore it "
                    "from a backup, or ask the participant to upload it again.",
                    numbers=numbers,
                )
            )
        )
    hashes = [receipt.sha256 for receipt in claim.receipts]
    if hashes and session.scalar(
        select(func.count())
        .select_from(Receipt)
        .where(Receipt.sha256.in_(hashes), Receipt.claim_id != claim.id)
    ):
        flags.append(str(_l("A receipt file is also attached to another claim.")))
    window = current_app.config["RECEIPT_DATE_WINDOW_DAYS"]
    first_day, last_day = event.local_starts_at.date(), event.local_ends_at.date()
    if any(
        receipt.issued_on is not None
        and not first_day - timedelta(days=window) <= receipt.issued_on <= last_day + timedelta(days=window)
        for receipt in claim.receipts
    ):
        flags.append(
            str(
                _l(
                    "A receipt is dated more than %(days)d days before or after the event.",
                    days=window,
                )
            )
        )
    if registration.checked_in_at is None:
        flags.append(str(_l("The participant was not checked in at the venue.")))
    if claim.cap is None:
        flags.append(str(_l("The town of departure is not in the fare table: set the cap.")))
    elif claim.claimed > claim.cap:
        flags.append(str(_l("The sum claimed is above the cap (a return bus ticket).")))
    flags.extend(eligibility_flags(session, claim))
    return flags


def eligibility_flags(session: Session, claim: Claim) -> list[str]:
    """The participant's changes of attendance since finance last decided on the claim
    (regsvc.claims.eligibility): travel is refunded to on-site participants only."""
    last_decision = (
        select(func.coalesce(func.max(AuditEntry.id), 0))
        .where(_about(claim), AuditEntry.action.in_(DECISIONS))
        .scalar_subquery()
    )
    changes = session.scalars(
        select(AuditEntry)
        .where(_about(claim), AuditEntry.action == "claim.eligibility_changed", AuditEntry.id > last_decision)
        .order_by(AuditEntry.id)
    )
    return [
        str(
            _l(
                "Attendance changed to %(attendance)s on %(when)s (%(who)s): travel is refunded "
                "to on-site participants only. Decide the claim again.",
                attendance=ATTENDANCE(change.details.get("attendance")),
                when=staff_datetime(change.at),
                who=change.actor_label,
            )
        )
        for change in changes
    ]


def _about(claim: Claim):
    return (AuditEntry.subject_type == Claim.__tablename__) & (AuditEntry.subject_id == claim.id)


DECISIONS = ("claim.needs_info", "claim.approved", "claim.rejected")


def decision_reason(session: Session, claim: Claim) -> str | None:
    """What finance wrote with their latest decision, while that decision stands (the
    participant reads it on their claim page)."""
    if claim.status not in (
        ClaimStatus.NEEDS_INFO,
        ClaimStatus.APPROVED,
        ClaimStatus.REJECTED,
        ClaimStatus.PAID,
    ):
        return None
    details = session.scalar(
        select(AuditEntry.details)
        .where(
            AuditEntry.subject_type == Claim.__tablename__,
            AuditEntry.subject_id == claim.id,
            AuditEntry.action.in_(DECISIONS),
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    return (details or {}).get("reason")


def _claim_for_action(session: Session, claim_id: int, actor: StaffUser, allowed: tuple) -> Claim:
    """The claim, locked, if its state allows the action and the actor may decide it."""
    try:
        claim = locked_claim(session, claim_id, allowed)
    except TransitionRefused as refused:
        raise ReviewError(str(refused)) from None
    if files_claim(actor, claim):
        raise ReviewError(_l("You cannot act on a claim you filed yourself."))
    return claim


def files_claim(actor: StaffUser, claim: Claim) -> bool:
    """Whether the claim may be the staff member's own, so that someone else must decide
    it (four eyes): the same mailbox (case and +tags aside), or the same name (case,
    accents, script and word order aside)."""
    registration = claim.registration
    if registration.email and mailbox_key(registration.email) == mailbox_key(actor.email):
        return True
    return bool(actor.full_name.strip()) and person_name_key(actor.full_name) == person_name_key(
        registration.full_name
    )


def tell_participant(session: Session, claim: Claim, reason: str = "") -> None:
    """E-mail the participant the claim's new status (and finance's reason)."""
    registration = claim.registration
    if registration.email:
        queue_mail(
            session,
            registration.email,
            "claim_status",
            registration.locale,
            registration=registration,
            event=registration.event,
            claim=claim,
            reason=reason,
        )


def approve(
    session: Session,
    claim_id: int,
    actor: StaffUser,
    *,
    amount: int | None = None,
    cap: int | None = None,
    reason: str = "",
    override_reason: str = "",
) -> Claim:
    """Approve the payable amount, or less with a reason. Above the cap only with an
    override reason, which is logged. A claim without a cap needs finance to set one."""
    reason, override_reason = reason.strip(), override_reason.strip()
    with write_transaction(session):
        claim = _claim_for_action(session, claim_id, actor, (ClaimStatus.SUBMITTED,))
        if claim.cap is None:
            if cap is None or cap < 0:
                raise ReviewError(_l("Set the cap first: the price of a return bus ticket from this town."))
            claim.cap = cap
            record(
                session, actor, "claim.cap_set", subject=claim, event_id=claim.registration.event_id, cap=cap
            )
        payable = min(claim.claimed, claim.cap)
        if amount is None:
            amount = payable if claim.first_approved_amount is None else claim.first_approved_amount
        if amount < 0:
            raise ReviewError(_l("The amount cannot be negative."))
        if amount > claim.cap and not override_reason:
            raise ReviewError(_l("That is above the cap: give a reason to override it."))
        if amount > claim.claimed:
            raise ReviewError(_l("That is more than the receipts add up to."))
        if amount < payable and not reason and claim.first_approved_amount != amount:
            raise ReviewError(_l("Say why you approve less than the payable amount."))
        first_approver = claim.first_approved_by
        if needs_second_approval(claim.currency, amount):
            if first_approver is None:
                claim.first_approved_by_id, claim.first_approved_amount = actor.id, amount
                record(
                    session,
                    actor,
                    "claim.first_approval",
                    event_id=claim.registration.event_id,
                    subject=claim,
                    amount=amount,
                    payable=payable,
                    reason=reason or None,
                    override=override_reason or None,
                )
                return claim  # still submitted: it waits for the second approval
            if first_approver.id == actor.id:
                raise ReviewError(
                    _l(
                        "You gave this claim its first approval: "
                        "another finance officer must give the second."
                    )
                )
            if amount != claim.first_approved_amount:
                raise ReviewError(
                    _l(
                        "The first approval was for %(amount)s: approve that amount, or ask for more "
                        "information or reject the claim.",
                        amount=format_money(claim.first_approved_amount or 0, claim.currency),
                    )
                )
        claim.approved_amount = amount
        claim.status = ClaimStatus.APPROVED
        claim.first_approved_by_id = claim.first_approved_amount = None
        record(
            session,
            actor,
            "claim.approved",
            subject=claim,
            event_id=claim.registration.event_id,
            amount=amount,
            payable=payable,
            reason=reason or None,
            override=override_reason or None,
            first_approval=first_approver.label if first_approver else None,
        )
        tell_participant(session, claim, reason)
    return claim


def second_approval_thresholds(entries: list[str]) -> dict[str, int]:
    """SECOND_APPROVAL_ABOVE read: "RSD 20000, EUR 200" → {"RSD": 2000000, "EUR": 20000}
    (minor units). ValueError, saying which entry, for one that is not a currency and an
    amount."""
    thresholds = {}
    for entry in entries:
        currency, _space, amount = entry.strip().partition(" ")
        if len(currency) != 3 or not currency.isalpha() or not amount.strip():
            raise ValueError(f"{entry!r}: write a currency code and an amount, like 'RSD 20000'")
        try:
            # A setting, written the same way whatever the language of the page that reads it.
            thresholds[currency.upper()] = to_minor_units(amount, currency.upper(), "en")
        except AmountError as error:
            raise ValueError(f"{entry!r}: {error}") from None
    return thresholds


def needs_second_approval(currency: str, amount: int) -> bool:
    """Whether approving `amount` takes two finance officers (SECOND_APPROVAL_ABOVE)."""
    threshold = second_approval_thresholds(current_app.config["SECOND_APPROVAL_ABOVE"]).get(currency)
    return threshold is not None and amount > threshold


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    NEEDS_INFO = "needs_info"
    PAID = "paid"


@dataclass(frozen=True)
class DecisionRequest:
    decision: Decision
    amount: int | None = None
    cap: int | None = None
    reason: str = ""
    override_reason: str = ""


def decide(session: Session, claim_id: int, actor: StaffUser, request: DecisionRequest) -> Claim:
    """Finance's decision on a claim, as the claim page sends it (ReviewError if refused)."""
    if request.decision == Decision.APPROVE:
        return approve(
            session,
            claim_id,
            actor,
            amount=request.amount,
            cap=request.cap,
            reason=request.reason,
            override_reason=request.override_reason,
        )
    if request.decision == Decision.REJECT:
        return reject(session, claim_id, actor, request.reason)
    if request.decision == Decision.NEEDS_INFO:
        return ask_for_information(session, claim_id, actor, request.reason)
    return mark_paid(session, claim_id, actor)


def reject(session: Session, claim_id: int, actor: StaffUser, reason: str) -> Claim:
    return _decide(session, claim_id, actor, reason, ClaimStatus.REJECTED, "claim.rejected")


def ask_for_information(session: Session, claim_id: int, actor: StaffUser, reason: str) -> Claim:
    """Send the claim back to the participant, who can change it and submit it again."""
    return _decide(session, claim_id, actor, reason, ClaimStatus.NEEDS_INFO, "claim.needs_info")


def _decide(session: Session, claim_id: int, actor: StaffUser, reason: str, status: ClaimStatus, action: str):
    reason = reason.strip()
    if not reason:
        raise ReviewError(_l("Say why: the participant reads it."))
    with write_transaction(session):
        claim = _claim_for_action(session, claim_id, actor, (ClaimStatus.SUBMITTED,))
        claim.status = status
        claim.first_approved_by_id = claim.first_approved_amount = None
        record(session, actor, action, subject=claim, event_id=claim.registration.event_id, reason=reason)
        tell_participant(session, claim, reason)
    return claim


def mark_paid(session: Session, claim_id: int, actor: StaffUser) -> Claim:
    """One claim paid on its own (cash at the venue); a claim in a payment batch is paid with it."""
    with write_transaction(session):
        claim = _claim_for_action(session, claim_id, actor, (ClaimStatus.APPROVED,))
        if claim.batch_id is not None:
            raise ReviewError(
                _l("This claim is in payment batch %(number)d: mark the batch paid.", number=claim.batch_id)
            )
        if claim.payout_method != PayoutMethod.CASH:
            raise ReviewError(_l("Bank transfers are paid in a payment batch: put the claim in one."))
        record_payment(session, claim, actor)
    return claim


def record_payment(session: Session, claim: Claim, actor: StaffUser, batch_id: int | None = None) -> None:
    """The claim is paid (on its own, or with its payment batch): logged, and the participant told."""
    claim.status = ClaimStatus.PAID
    record(
        session,
        actor,
        "claim.paid",
        subject=claim,
        event_id=claim.registration.event_id,
        amount=claim.approved_amount,
        batch=batch_id,
    )
    tell_participant(session, claim)
