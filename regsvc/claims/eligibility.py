"""A travel claim follows its participant: travel is refunded to on-site participants,
so a claim whose participant switches to online or cancels goes back to finance.

A submitted claim stays with finance, flagged; an approved one not yet paid is sent back
to review (its approval and any payment batch it waited in are undone), so it is paid
only after finance decides again; a paid one gets the change in its history for the
auditor. Drafts need nothing: submitting checks eligibility anyway.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from regsvc.audit.services import record
from regsvc.claims.models import Claim, ClaimStatus
from regsvc.claims.transitions import locked_claim
from regsvc.registration.models import Attendance, Registration
from regsvc.registration.services import attendance_changed

# What finance has to see again, by the claim's state when the participant changed.
_FOLLOWED = (ClaimStatus.SUBMITTED, ClaimStatus.APPROVED, ClaimStatus.PAID)


@attendance_changed.connect
def follow_attendance(
    registration: Registration, *, session: Session, before: str | None, after: str, actor
) -> None:
    if after == Attendance.ONSITE:
        return
    claim_id = session.scalar(select(Claim.id).where(Claim.registration_id == registration.id))
    if claim_id is None:
        return
    claim = locked_claim(session, claim_id)
    if claim.status not in _FOLLOWED:
        return
    status_before, batch = claim.status, claim.batch_id
    if claim.status == ClaimStatus.APPROVED:
        claim.status = ClaimStatus.SUBMITTED
        claim.approved_amount = None
        claim.batch_id = None  # an unpaid batch: a paid claim is PAID
    if claim.status == ClaimStatus.SUBMITTED:
        claim.first_approved_by_id = claim.first_approved_amount = None  # decided again, twice
    record(
        session,
        actor,
        "claim.eligibility_changed",
        event_id=registration.event_id,
        subject=claim,
        attendance_before=before,
        attendance=after,
        status_before=status_before,
        status=claim.status,
        left_batch=batch if claim.batch_id is None and batch else None,
    )
