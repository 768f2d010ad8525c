"""Payment batches: finance pays approved bank-transfer claims together.

A batch is made of approved claims paid by bank transfer, in one currency, none of them in
another batch. Its CSV goes to the bank; its dossier (every claim's PDF after a cover page)
goes to the donor's audit. Marking the batch paid marks each of its claims paid, in one
transaction, with an audit entry and an e-mail per claim. A batch not paid yet can be
dissolved, which puts its claims back among those waiting for a batch. Claims paid in cash
at the venue are marked paid one by one (regsvc.claims.review.mark_paid).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from regsvc.audit.services import record
from regsvc.auth.models import StaffUser
from regsvc.claims.models import Claim, ClaimStatus, PaymentBatch, PayoutMethod
from regsvc.claims.review import files_claim, record_payment
from regsvc.db import utcnow, write_transaction
from regsvc.documents.csvfile import csv_bytes
from regsvc.money import plain_amount
from regsvc.registration.models import Registration

BANK_CSV_HEADER = ("name", "account", "amount", "currency", "reference")


class BatchError(Exception):
    """Finance cannot do this with the batch; the message says why."""


def claims_awaiting_batch(session: Session, event_id: int | None = None) -> list[Claim]:
    """Approved bank-transfer claims not in any batch yet, oldest approval first."""
    query = (
        select(Claim)
        .join(Registration, Claim.registration_id == Registration.id)
        .where(
            Claim.status == ClaimStatus.APPROVED,
            Claim.payout_method == PayoutMethod.BANK,
            Claim.batch_id.is_(None),
        )
        .order_by(Claim.submitted_at, Claim.id)
    )
    if event_id:
        query = query.where(Registration.event_id == event_id)
    return list(session.scalars(query))


def all_batches(session: Session) -> list[tuple[PaymentBatch, int, int]]:
    """Every batch, newest first, with its number of claims and total: one query."""
    rows = session.execute(
        select(PaymentBatch, func.count(Claim.id), func.coalesce(func.sum(Claim.approved_amount), 0))
        .outerjoin(Claim, Claim.batch_id == PaymentBatch.id)
        .group_by(PaymentBatch.id)
        .order_by(PaymentBatch.id.desc())
    )
    return [(batch, count, total or 0) for batch, count, total in rows]


def batch_with_claims(session: Session, batch_id: int) -> PaymentBatch | None:
    return session.scalar(
        select(PaymentBatch)
        .where(PaymentBatch.id == batch_id)
        .options(selectinload(PaymentBatch.claims))
        .execution_options(populate_existing=True)
    )


def _locked_claims(session: Session, claim_ids: list[int]) -> list[Claim]:
    # FOR UPDATE (PostgreSQL): two finance staff cannot put one claim into two batches.
    return list(
        session.scalars(
            select(Claim)
            .where(Claim.id.in_(claim_ids))
            .order_by(Claim.id)
            .with_for_update(of=Claim)
            .execution_options(populate_existing=True)
        )
    )


def create_batch(session: Session, claim_ids: list[int], actor: StaffUser) -> PaymentBatch:
    """A batch of these approved bank-transfer claims, all in one currency."""
    claim_ids = sorted(set(claim_ids))
    if not claim_ids:
        raise BatchError(_l("Choose at least one approved claim."))
    with write_transaction(session):
        claims = _locked_claims(session, claim_ids)
        if len(claims) != len(claim_ids):
            raise BatchError(_l("A chosen claim no longer exists. Reload the page and choose again."))
        for claim in claims:
            if claim.status != ClaimStatus.APPROVED or claim.batch_id is not None:
                raise BatchError(
                    _l("Claim %(number)d is no longer waiting for payment. Reload the page.", number=claim.id)
                )
            if claim.payout_method != PayoutMethod.BANK or not claim.account_number:
                raise BatchError(
                    _l("Claim %(number)d is paid in cash: mark it paid on its own page.", number=claim.id)
                )
            if files_claim(actor, claim):
                raise BatchError(_l("You cannot pay a claim you filed yourself."))
        currencies = {claim.currency for claim in claims}
        if len(currencies) > 1:
            raise BatchError(
                _l(
                    "A batch is paid in one currency; these claims are in %(list)s.",
                    list=", ".join(sorted(currencies)),
                )
            )
        batch = PaymentBatch(currency=claims[0].currency, created_by_id=actor.id, created_at=utcnow())
        session.add(batch)
        session.flush()
        for claim in claims:
            claim.batch_id = batch.id
        record(
            session,
            actor,
            "batch.created",
            event_id=None,
            subject=batch,
            claims=claim_ids,
            total=sum(claim.approved_amount for claim in claims),
            currency=batch.currency,
        )
    return batch


def _open_batch(session: Session, batch_id: int) -> PaymentBatch:
    """The unpaid batch, locked (PostgreSQL): its claims change only through it, so paying
    and dissolving it cannot overlap."""
    batch = session.scalar(
        select(PaymentBatch)
        .where(PaymentBatch.id == batch_id)
        .options(selectinload(PaymentBatch.claims))
        .with_for_update(of=PaymentBatch)
        .execution_options(populate_existing=True)
    )
    if batch is None:
        raise BatchError(_l("There is no such payment batch."))
    if batch.paid_at is not None:
        raise BatchError(_l("This batch is already paid."))
    return batch


def mark_batch_paid(session: Session, batch_id: int, actor: StaffUser) -> PaymentBatch:
    """The bank has made the transfers: every claim of the batch is paid, and told so."""
    with write_transaction(session):
        batch = _open_batch(session, batch_id)
        # The claims locked too: one whose participant changed attendance a moment ago has
        # left the batch (claims.eligibility) and must not be paid with it.
        claims = _locked_claims(session, [claim.id for claim in batch.claims])
        if not claims:
            raise BatchError(_l("This batch has no claims left: dissolve it."))
        for claim in claims:
            if claim.batch_id != batch.id or claim.status != ClaimStatus.APPROVED:
                raise BatchError(
                    _l(
                        "Claim %(number)d has just left this batch (it went back to finance). "
                        "Reload the page: the batch is not paid.",
                        number=claim.id,
                    )
                )
        if any(files_claim(actor, claim) for claim in claims):
            raise BatchError(_l("You cannot pay a claim you filed yourself."))
        batch.paid_at, batch.paid_by_id = utcnow(), actor.id
        for claim in batch.claims:
            record_payment(session, claim, actor, batch.id)
        record(
            session,
            actor,
            "batch.paid",
            event_id=None,
            subject=batch,
            claims=[claim.id for claim in batch.claims],
        )
    return batch


def dissolve_batch(session: Session, batch_id: int, actor: StaffUser) -> None:
    """Undo a batch not paid yet (a mistake, a bank file refused): its claims wait again."""
    with write_transaction(session):
        batch = _open_batch(session, batch_id)
        claim_ids = [claim.id for claim in batch.claims]
        for claim in batch.claims:
            claim.batch_id = None
        record(session, actor, "batch.dissolved", event_id=None, subject=batch, claims=claim_ids)
        session.delete(batch)


def bank_csv(batch: PaymentBatch) -> bytes:
    """One row per transfer: the account holder, the account, the amount, the currency and a
    reference the participant recognises on their statement."""
    rows = [BANK_CSV_HEADER]
    for claim in batch.claims:
        rows.append(
            (
                claim.account_holder or claim.registration.full_name,
                claim.account_number,
                plain_amount(claim.approved_amount or 0, claim.currency),
                claim.currency,
                _("Travel refund, claim %(number)d", number=claim.id),
            )
        )
    return csv_bytes(rows)
