"""Erasure at the participant's request (DESIGN §2, "Personal data"): the registration is
anonymised at once, except a claim that must be kept for the donor's audit."""

import json

import pytest
from sqlalchemy import select, update

from regsvc.audit.models import AuditEntry
from regsvc.claims.models import Claim, ClaimStatus, Receipt
from regsvc.claims.review import approve, mark_paid, reject
from regsvc.mail.models import MailStatus, OutboxMessage
from regsvc.privacy.services import (
    ERASED,
    ERASED_NAME,
    AlreadyErased,
    erase,
    plan_erasure,
    years_after,
)
from regsvc.registration.models import Attendance, Registration, RegistrationLink
from regsvc.registration.services import registration_for_token
from regsvc.text import search_key
from tests.conftest import fresh
from tests.privacy.conftest import draft_claim, end_event, stored_files


def _outbox(session, *, recipient=None):
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if recipient is not None:
        query = query.where(OutboxMessage.recipient == recipient)
    return session.scalars(query).all()


def test_erasure_anonymises_the_registration_at_once(session, storage, make_event, make_registration):
    event = make_event()
    outcome = make_registration(event, phone="+381 64 123 4567", needs="Wheelchair access")
    registration = outcome.registration
    old_code = registration.checkin_code
    end_event(session, event.id, days_ago=2)

    erasure = erase(session, registration.id, storage)

    assert not erasure.cancels and not erasure.keeps_claim
    fresh(session)
    erased = session.get(Registration, registration.id)
    assert erased.full_name == ERASED_NAME
    assert (erased.email, erased.phone, erased.organisation, erased.position) == ("", "", "", "")
    assert (erased.needs, erased.departure_town, erased.search_text) == ("", "", "")
    assert erased.email_normalised is None and not erased.consents_to_publication
    assert erased.checkin_code != old_code
    # What the seat counts and the seats' audit need stays.
    assert erased.attendance == Attendance.ONSITE and erased.event_id == event.id
    assert registration_for_token(session, outcome.token) is None
    assert (
        session.scalars(select(RegistrationLink).where(RegistrationLink.registration_id == erased.id)).all()
        == []
    )


def test_erasure_removes_the_recipient_and_text_of_their_emails(
    session, storage, make_event, make_registration
):
    event = make_event()
    registration = make_registration(event).registration
    email = registration.email
    assert [message.status for message in _outbox(session, recipient=email)] == [MailStatus.PENDING]

    erase(session, registration.id, storage)

    fresh(session)
    assert _outbox(session, recipient=email) == []
    (message,) = _outbox(session)
    assert (message.recipient, message.body) == ("", "")
    assert message.status == MailStatus.FAILED  # never sent now


def test_erasure_is_in_the_audit_log_without_the_erased_data(session, storage, make_event, make_registration):
    event = make_event()
    registration = make_registration(event, full_name="Đorđe Petrović", phone="+381 64 765 4321").registration
    end_event(session, event.id, days_ago=2)

    erase(session, registration.id, storage)

    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == ERASED)).one()
    assert (entry.actor_label, entry.event_id, entry.subject_id) == ("participant", event.id, registration.id)
    written = json.dumps(entry.details, ensure_ascii=False)
    for erased in ("Đorđe", "Petrović", "@example.org", "765", "CRPM", "Niš"):
        assert erased not in written


def test_a_second_erasure_is_refused(session, storage, make_event, make_registration):
    registration = make_registration(make_event()).registration
    erase(session, registration.id, storage)
    with pytest.raises(AlreadyErased):
        erase(session, registration.id, storage)
    assert len(session.scalars(select(AuditEntry).where(AuditEntry.action == ERASED)).all()) == 1


def test_erasure_before_the_event_cancels_and_seats_the_waiting_list(
    session, storage, make_event, make_registration
):
    event = make_event(onsite_capacity=1)
    seated = make_registration(event).registration
    waiting = make_registration(event).registration
    assert waiting.attendance == Attendance.WAITLISTED

    erasure = erase(session, seated.id, storage)

    assert erasure.cancels
    fresh(session)
    assert session.get(Registration, seated.id).attendance == Attendance.CANCELLED
    assert session.get(Registration, waiting.id).attendance == Attendance.ONSITE
    assert (event.onsite_taken, event.waitlisted_count) == (1, 0)
    change = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "attendance.changed", AuditEntry.subject_id == seated.id
        )
    ).one()
    assert change.details == {"before": "onsite", "after": "cancelled"}


def test_erasure_once_the_event_has_begun_keeps_the_attendance(
    session, storage, make_event, make_registration
):
    event = make_event()
    registration = make_registration(event, wanted=Attendance.ONLINE).registration
    end_event(session, event.id, days_ago=-0.1)  # began six hours ago, ends in a couple of hours
    assert not erase(session, registration.id, storage).cancels
    fresh(session)
    assert session.get(Registration, registration.id).attendance == Attendance.ONLINE


def test_erasure_deletes_a_draft_claim_with_its_files(session, storage, make_event, make_registration):
    registration = make_registration(make_event(host_town="Belgrade")).registration
    claim = draft_claim(session, storage, registration)
    files = stored_files(claim)
    assert files and all(storage.exists(name) for name in files)

    erasure = erase(session, registration.id, storage)

    assert erasure.deletes_draft and not erasure.keeps_claim
    fresh(session)
    assert session.scalars(select(Claim)).all() == [] and session.scalars(select(Receipt)).all() == []
    assert not any(storage.exists(name) for name in files)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == ERASED)).one()
    assert entry.details == {"cancelled": True, "draft_claim_deleted": True}


def _decided(session, claim, finance_user, status):
    if status == ClaimStatus.REJECTED:
        reject(session, claim.id, finance_user, "The bus ticket is from another trip.")
    if status in (ClaimStatus.APPROVED, ClaimStatus.PAID):
        approve(session, claim.id, finance_user)
    if status == ClaimStatus.PAID:
        mark_paid(session, claim.id, finance_user)


@pytest.mark.parametrize(
    "status", [ClaimStatus.SUBMITTED, ClaimStatus.REJECTED, ClaimStatus.APPROVED, ClaimStatus.PAID]
)
def test_a_claim_finance_has_seen_is_kept_for_the_audit_with_what_the_auditor_needs(
    session, storage, submitted, finance_user, status
):
    claim = submitted(full_name="Ana Ilić", phone="+381 64 111 2222")
    _decided(session, claim, finance_user, status)
    registration = claim.registration
    event = end_event(session, registration.event_id, days_ago=3)
    files = stored_files(claim)

    erasure = erase(session, registration.id, storage)

    assert erasure.keeps_claim and erasure.kept_until == years_after(event.ends_at, 10)
    fresh(session)
    kept = session.get(Claim, claim.id)
    assert kept.status == status and len(kept.receipts) == 2 and kept.route == "Niš – Beograd"
    assert all(storage.exists(name) for name in files)
    erased = session.get(Registration, registration.id)
    assert (erased.full_name, erased.departure_town) == ("Ana Ilić", "Niš")
    assert (erased.email, erased.phone, erased.organisation, erased.position) == ("", "", "", "")
    assert erased.search_text == search_key("Ana Ilić")  # finance still finds the claim by name
    assert (
        session.scalars(select(RegistrationLink).where(RegistrationLink.registration_id == erased.id)).all()
        == []
    )
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == ERASED)).one()
    assert entry.details == {"claim_kept_until": erasure.kept_until.date().isoformat()}


def test_the_audit_period_follows_its_setting(app, session, storage, submitted):
    app.config["AUDIT_RETENTION_YEARS"] = 7
    claim = submitted()
    event = end_event(session, claim.registration.event_id, days_ago=3)
    assert plan_erasure(session, claim.registration).kept_until == years_after(event.ends_at, 7)


def test_after_the_audit_period_an_erasure_anonymises_the_claim_too(session, storage, submitted):
    claim = submitted(full_name="Ana Ilić")
    registration = claim.registration
    end_event(session, registration.event_id, years_ago=11)
    files = stored_files(claim)

    erasure = erase(session, registration.id, storage)

    assert not erasure.keeps_claim and not erasure.deletes_draft
    fresh(session)
    anonymised = session.get(Claim, claim.id)
    assert anonymised.status == ClaimStatus.SUBMITTED and anonymised.cap == 360000  # figures stay
    assert (anonymised.route, anonymised.account_number, anonymised.receipts) == ("", "", [])
    assert not any(storage.exists(name) for name in files)
    assert session.get(Registration, registration.id).full_name == ERASED_NAME
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("%.%anonymised"))).all()
    assert actions == ["claim.anonymised"]


def test_mail_to_an_address_still_registered_for_another_event_still_goes(
    session, storage, make_event, make_registration
):
    first = make_registration(make_event(), email="ana@example.org").registration
    session.execute(update(OutboxMessage).values(status=MailStatus.SENT, body=""))
    session.commit()
    make_registration(make_event(), email="ana@example.org")  # its confirmation is not sent yet

    erase(session, first.id, storage)

    fresh(session)
    sent, waiting = _outbox(session)
    assert (sent.recipient, sent.status) == ("", MailStatus.SENT)
    assert (waiting.recipient, waiting.status) == ("ana@example.org", MailStatus.PENDING)
    assert waiting.body
