"""Two people acting on one claim at the same moment: exactly one transition, one audit
entry and one e-mail; the other is told what happened (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from regsvc.audit.models import AuditEntry
from regsvc.auth.models import StaffUser
from regsvc.claims.batches import BatchError, create_batch
from regsvc.claims.drafting import (
    ClaimDetails,
    ClaimError,
    add_receipt,
    open_claim,
    save_details,
    submit_claim,
)
from regsvc.claims.models import (
    Claim,
    ClaimStatus,
    ExpenseKind,
    PaymentBatch,
    PayoutMethod,
    Receipt,
    TravelMode,
)
from regsvc.claims.receipts import process_upload
from regsvc.claims.review import ReviewError, approve, mark_paid, reject
from regsvc.events.fares import parse_fares, replace_fares
from regsvc.mail.models import OutboxMessage
from regsvc.registration.models import Registration
from regsvc.roles import Role
from regsvc.storage import current_storage
from tests.claims.conftest import after_start
from tests.claims.corpus import image_bytes, marked_picture

REFUSALS = (ReviewError, ClaimError, BatchError)


def both_at_once(app, first, second):
    """Run first(session) and second(session) in two threads released together, each
    with its own database session; returns what each returned, or the refusal it got."""
    start = threading.Barrier(2)

    def run(work):
        with app.app_context(), app.extensions["regsvc.db"].Session() as session:
            start.wait(timeout=30)
            try:
                return work(session)
            except REFUSALS as refused:
                return refused

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(run, [first, second]))


def _count(app, query) -> int:
    with app.extensions["regsvc.db"].Session() as session:
        return session.scalar(query)


def audit_count(app, claim_id: int, action: str) -> int:
    return _count(
        app,
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.subject_id == claim_id,
            AuditEntry.subject_type == "claims",
            AuditEntry.action == action,
        ),
    )


def status_mails(app) -> int:
    return _count(
        app,
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.subject.startswith("Your travel claim")),
    )


@pytest.fixture
def two_officers(make_user):
    return (
        make_user(Role.FINANCE, email="ana.petrovic@example.org"),
        make_user(Role.FINANCE, email="marko.jovanovic@example.org"),
    )


def _as(session, user: StaffUser) -> StaffUser:
    return session.get(StaffUser, user.id)


def _one_won(results) -> tuple[object, Exception]:
    won = [result for result in results if not isinstance(result, Exception)]
    lost = [result for result in results if isinstance(result, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    return won[0], lost[0]


def test_approve_and_approve(app, submitted, two_officers):
    claim = submitted()
    ana, marko = two_officers
    mails = status_mails(app)
    results = both_at_once(
        app,
        lambda s: approve(s, claim.id, _as(s, ana)),
        lambda s: approve(s, claim.id, _as(s, marko)),
    )
    _won, lost = _one_won(results)
    assert "already Approved" in str(lost)
    assert audit_count(app, claim.id, "claim.approved") == 1
    assert status_mails(app) == mails + 1


def test_approve_and_reject(app, submitted, two_officers):
    claim = submitted()
    ana, marko = two_officers
    mails = status_mails(app)
    results = both_at_once(
        app,
        lambda s: approve(s, claim.id, _as(s, ana)),
        lambda s: reject(s, claim.id, _as(s, marko), "No proof of the trip."),
    )
    won, lost = _one_won(results)
    assert "already" in str(lost) and "not possible now" in str(lost)
    decisions = audit_count(app, claim.id, "claim.approved") + audit_count(app, claim.id, "claim.rejected")
    assert decisions == 1 and status_mails(app) == mails + 1
    with app.extensions["regsvc.db"].Session() as session:
        assert session.get(Claim, claim.id).status == won.status


def test_mark_paid_twice(app, session, submitted, two_officers):
    claim = submitted()
    ana, marko = two_officers
    approve(session, claim.id, _as(session, ana))
    mails = status_mails(app)
    results = both_at_once(
        app,
        lambda s: mark_paid(s, claim.id, _as(s, ana)),
        lambda s: mark_paid(s, claim.id, _as(s, marko)),
    )
    _won, lost = _one_won(results)
    assert "already Paid" in str(lost)
    assert audit_count(app, claim.id, "claim.paid") == 1 and status_mails(app) == mails + 1


def _draft_with_receipt(session, app, make_event, make_registration) -> Claim:
    event = make_event(host_town="Belgrade", onsite_capacity=10)
    replace_fares(session, event, parse_fares("Niš, 3600", "RSD"), None)
    registration = make_registration(event, departure_town="Niš").registration
    claim = open_claim(session, registration)
    save_details(session, claim.id, ClaimDetails(TravelMode.BUS, "Niš – Beograd", PayoutMethod.CASH))
    _add(session, app, claim.id)
    return claim


def _add(session, app, claim_id: int) -> Receipt:
    return add_receipt(
        session,
        claim_id,
        current_storage(),
        process_upload(image_bytes(marked_picture(400, 300), "JPEG"), "ticket.jpg"),
        ExpenseKind.BUS_TICKET,
        after_start(session, claim_id).date(),
        190000,
    )


def test_submit_twice(app, session, make_event, make_registration):
    claim = _draft_with_receipt(session, app, make_event, make_registration)
    when = after_start(session, claim.id)
    results = both_at_once(
        app, lambda s: submit_claim(s, claim.id, now=when), lambda s: submit_claim(s, claim.id, now=when)
    )
    _won, lost = _one_won(results)
    assert "can no longer be changed" in str(lost)
    assert audit_count(app, claim.id, "claim.submitted") == 1


def test_the_first_receipts_sent_at_once_open_one_claim(app, session, make_event, make_registration):
    event = make_event(host_town="Belgrade", onsite_capacity=10)
    registration_id = make_registration(event, departure_town="Niš").registration.id

    def first_receipt(s):
        claim = open_claim(s, s.get(Registration, registration_id))
        return _add(s, app, claim.id)

    results = both_at_once(app, first_receipt, first_receipt)
    assert not any(isinstance(result, Exception) for result in results), results
    assert _count(app, select(func.count()).select_from(Claim)) == 1
    assert _count(app, select(func.count()).select_from(Receipt)) == 2
    assert (
        _count(app, select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "claim.opened"))
        == 1
    )


def test_one_claim_into_two_batches_at_once(app, session, submitted, two_officers):
    ana, marko = two_officers
    claim = submitted(payout=(PayoutMethod.BANK, "RS35 2600 0560 1001 6113 79", "Ana Anić"))
    approve(session, claim.id, _as(session, ana))
    results = both_at_once(
        app,
        lambda s: create_batch(s, [claim.id], _as(s, ana)),
        lambda s: create_batch(s, [claim.id], _as(s, marko)),
    )
    _won, lost = _one_won(results)
    assert "no longer waiting for payment" in str(lost)
    assert _count(app, select(func.count()).select_from(PaymentBatch)) == 1


def test_a_decision_racing_a_batch_of_the_same_claim(app, session, submitted, two_officers):
    """Finance sends an approved claim back while another officer batches it: one wins."""
    ana, marko = two_officers
    claim = submitted(payout=(PayoutMethod.BANK, "RS35 2600 0560 1001 6113 79", "Ana Anić"))
    approve(session, claim.id, _as(session, ana))
    results = both_at_once(
        app,
        lambda s: create_batch(s, [claim.id], _as(s, ana)),
        lambda s: mark_paid(s, claim.id, _as(s, marko)),  # refused either way: bank transfers go in a batch
    )
    assert sum(not isinstance(result, Exception) for result in results) == 1
    with app.extensions["regsvc.db"].Session() as s:
        assert s.get(Claim, claim.id).status == ClaimStatus.APPROVED and s.get(Claim, claim.id).batch_id
