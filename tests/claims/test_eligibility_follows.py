"""A travel claim follows its participant's attendance (DESIGN §2, issue: eligibility)."""

from sqlalchemy import select

from regsvc.audit.models import AuditEntry
from regsvc.claims.batches import claims_awaiting_batch, create_batch, mark_batch_paid
from regsvc.claims.documents import claim_trail
from regsvc.claims.drafting import open_claim
from regsvc.claims.models import Claim, ClaimStatus, PayoutMethod
from regsvc.claims.review import advisory_flags, approve
from regsvc.events.fares import parse_fares, replace_fares
from regsvc.registration.models import Attendance, Registration
from regsvc.registration.services import change_attendance, staff_set_attendance
from regsvc.storage import current_storage
from tests.conftest import fresh
from tests.registration.test_pages import mailed_token, register_by_form, text_of

ACCOUNT = (PayoutMethod.BANK, "RS35 2600 0560 1001 6113 79", "Ana Anić")


def _changes(session, claim_id):
    return session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "claim.eligibility_changed", AuditEntry.subject_id == claim_id
        )
    ).all()


def test_an_approved_claim_goes_back_to_review_when_the_participant_is_moved_online(
    session, submitted, finance_user, organiser
):
    claim = submitted(payout=ACCOUNT)
    approve(session, claim.id, finance_user)
    staff_set_attendance(session, claim.registration_id, Attendance.ONLINE, organiser)
    fresh(session)
    claim = session.get(Claim, claim.id)
    assert claim.status == ClaimStatus.SUBMITTED and claim.approved_amount is None
    assert claims_awaiting_batch(session, None) == []  # not offered for payment
    [change] = _changes(session, claim.id)
    assert change.details["attendance"] == "online" and change.details["status_before"] == "approved"
    flags = advisory_flags(session, claim, current_storage())
    assert any("Attendance changed to Online" in flag for flag in flags)
    # Finance decides again: the flag has been seen and goes.
    approve(session, claim.id, finance_user, amount=0, reason="Followed online: no trip to refund.")
    assert not any(
        "Attendance changed" in flag
        for flag in advisory_flags(session, session.get(Claim, claim.id), current_storage())
    )


def test_a_claim_waiting_in_an_unpaid_batch_leaves_it(session, submitted, finance_user, organiser):
    claim = submitted(payout=ACCOUNT)
    approve(session, claim.id, finance_user)
    batch = create_batch(session, [claim.id], finance_user)
    staff_set_attendance(session, claim.registration_id, Attendance.CANCELLED, organiser)
    fresh(session)
    claim = session.get(Claim, claim.id)
    assert claim.batch_id is None and claim.status == ClaimStatus.SUBMITTED
    assert _changes(session, claim.id)[0].details["left_batch"] == batch.id


def test_a_paid_claim_keeps_the_change_in_its_history(session, submitted, finance_user, organiser):
    claim = submitted(payout=ACCOUNT)
    approve(session, claim.id, finance_user)
    batch = create_batch(session, [claim.id], finance_user)
    mark_batch_paid(session, batch.id, finance_user)
    staff_set_attendance(session, claim.registration_id, Attendance.ONLINE, organiser)
    fresh(session)
    claim = session.get(Claim, claim.id)
    assert claim.status == ClaimStatus.PAID and claim.batch_id == batch.id
    trail = claim_trail(session, [claim])[claim.id]
    assert trail[-1].action == "claim.eligibility_changed"


def test_a_seat_regained_or_a_draft_changes_nothing(
    session, make_event, make_registration, submitted, organiser
):
    claim = submitted()
    staff_set_attendance(session, claim.registration_id, Attendance.ONSITE, organiser)  # already on-site
    assert _changes(session, claim.id) == []
    event = make_event()
    registration = make_registration(event).registration
    change_attendance(session, registration.id, Attendance.ONLINE)  # no claim at all
    assert (
        session.scalars(select(AuditEntry).where(AuditEntry.action == "claim.eligibility_changed")).all()
        == []
    )


def test_the_participant_is_told_before_switching_or_cancelling(client, session, make_event):
    event = make_event(host_town="Belgrade", onsite_capacity=5)
    replace_fares(session, event, parse_fares("Niš, 3600", "RSD"), None)
    register_by_form(client, event, 1, departure_town="Niš")
    token = mailed_token(client.application, "participant1@example.org")
    location = f"/r/{token}/"
    notice = "You have started a travel claim"
    assert notice not in text_of(client.get(location))  # no claim yet: nothing to say
    open_claim(session, session.scalars(select(Registration)).one())
    assert notice in text_of(client.get(location))
    assert notice in text_of(client.get(f"/r/{token}/cancel"))


def test_a_batch_whose_claim_left_it_is_not_paid_with_it(session, submitted, finance_user, organiser):
    kept, leaving = submitted(payout=ACCOUNT), submitted(payout=ACCOUNT)
    for claim in (kept, leaving):
        approve(session, claim.id, finance_user)
    batch = create_batch(session, [kept.id, leaving.id], finance_user)
    staff_set_attendance(session, leaving.registration_id, Attendance.ONLINE, organiser)
    paid = mark_batch_paid(session, batch.id, finance_user)
    fresh(session)
    assert session.get(Claim, kept.id).status == ClaimStatus.PAID
    assert session.get(Claim, leaving.id).status == ClaimStatus.SUBMITTED and paid.id == batch.id
