"""Retention by schedule (DESIGN §2, "Personal data"): registrations without a claim are
anonymised RETENTION_DAYS_AFTER_EVENT after their event; claims, their receipts and what the
auditor needs are kept AUDIT_RETENTION_YEARS, then anonymised too."""

import pytest
from sqlalchemy import select

from regsvc.audit.models import AuditEntry
from regsvc.claims.models import Claim, ClaimStatus, Receipt
from regsvc.claims.review import approve, mark_paid
from regsvc.privacy.services import (
    ANONYMISED,
    CLAIM_ANONYMISED,
    ERASED_NAME,
    RETENTION_RUN,
    RetentionReport,
    apply_retention,
    erase,
)
from regsvc.registration.models import Attendance, Registration, RegistrationLink
from tests.conftest import fresh
from tests.privacy.conftest import draft_claim, end_event, stored_files


@pytest.fixture
def seeded(session, storage, make_event, make_registration, submitted, finance_user):
    """Events ended 200 days, 100 days and 11 years ago, with and without claims."""
    old = make_event(host_town="Belgrade")
    plain = make_registration(old, wanted=Attendance.ONLINE).registration
    drafted = make_registration(old).registration
    draft = draft_claim(session, storage, drafted)
    claimed = submitted(event=old, full_name="Ana Ilić")
    recent = make_event()
    recent_registration = make_registration(recent).registration
    ancient = submitted(full_name="Marko Marković")
    approve(session, ancient.id, finance_user)
    mark_paid(session, ancient.id, finance_user)
    ancient_plain = make_registration(ancient.registration.event).registration
    end_event(session, old.id, days_ago=200)
    end_event(session, recent.id, days_ago=100)
    end_event(session, ancient.registration.event_id, years_ago=11)
    return {
        "plain": plain,
        "drafted": drafted,
        "draft_files": stored_files(draft),
        "claimed": claimed,
        "claimed_files": stored_files(claimed),
        "recent": recent_registration,
        "ancient": ancient,
        "ancient_files": stored_files(ancient),
        "ancient_plain": ancient_plain,
    }


def _registration(session, registration) -> Registration:
    return session.get(Registration, registration.id)


def _anonymised(registration: Registration) -> bool:
    return (registration.full_name, registration.email, registration.organisation) == (ERASED_NAME, "", "")


def test_registrations_without_a_claim_are_anonymised_after_the_period(session, storage, seeded):
    report = apply_retention(session, storage)

    fresh(session)
    for key in ("plain", "drafted", "ancient_plain"):
        registration = _registration(session, seeded[key])
        assert _anonymised(registration), key
        assert registration.attendance != Attendance.CANCELLED  # the seat counts stay
    # Links open only what is still kept.
    assert set(session.scalars(select(RegistrationLink.registration_id))) == {
        seeded["recent"].id,
        seeded["claimed"].registration_id,
    }
    # The draft went with its registration, files and all.
    assert session.scalar(select(Claim).where(Claim.registration_id == seeded["drafted"].id)) is None
    assert not any(storage.exists(name) for name in seeded["draft_files"])
    # Too recent: untouched.
    assert _registration(session, seeded["recent"]).full_name == seeded["recent"].full_name
    assert report.registrations == 3 and report.drafts == 1


def test_claims_are_kept_for_the_audit_period(session, storage, seeded):
    apply_retention(session, storage)

    fresh(session)
    claimed = session.get(Claim, seeded["claimed"].id)
    assert claimed.route == "Niš – Beograd" and len(claimed.receipts) == 2
    assert all(storage.exists(name) for name in seeded["claimed_files"])
    registration = claimed.registration
    assert (registration.full_name, registration.email) == ("Ana Ilić", seeded["claimed"].registration.email)


def test_after_the_audit_period_claims_are_anonymised_and_their_files_deleted(session, storage, seeded):
    report = apply_retention(session, storage)

    fresh(session)
    ancient = session.get(Claim, seeded["ancient"].id)
    # The figures stay; nothing says whose they were.
    assert (ancient.status, ancient.approved_amount, ancient.currency) == (ClaimStatus.PAID, 360000, "RSD")
    assert (ancient.route, ancient.account_number, ancient.account_holder) == ("", "", "")
    assert session.scalars(select(Receipt).where(Receipt.claim_id == ancient.id)).all() == []
    assert not any(storage.exists(name) for name in seeded["ancient_files"])
    assert _anonymised(ancient.registration)
    assert report.claims == 1
    assert report.files == len(seeded["draft_files"]) + len(seeded["ancient_files"])


def test_every_run_is_in_the_audit_log_with_its_counts(session, storage, seeded):
    apply_retention(session, storage)

    run = session.scalars(select(AuditEntry).where(AuditEntry.action == RETENTION_RUN)).one()
    assert run.actor_label == "system" and run.event_id is None
    assert run.details == {
        "registrations": 3,
        "draft_claims": 1,
        "claims": 1,
        "files": len(seeded["draft_files"]) + len(seeded["ancient_files"]),
        "days_after_event": 180,
        "audit_years": 10,
    }
    anonymised = session.scalars(select(AuditEntry.subject_id).where(AuditEntry.action == ANONYMISED)).all()
    assert sorted(anonymised) == sorted(
        {
            seeded["plain"].id,
            seeded["drafted"].id,
            seeded["ancient_plain"].id,
            seeded["ancient"].registration_id,
        }
    )
    claims = session.scalars(select(AuditEntry.subject_id).where(AuditEntry.action == CLAIM_ANONYMISED)).all()
    assert claims == [seeded["ancient"].id]


def test_a_second_run_does_nothing_more(session, storage, seeded):
    apply_retention(session, storage)
    assert apply_retention(session, storage) == RetentionReport()
    assert len(session.scalars(select(AuditEntry).where(AuditEntry.action == ANONYMISED)).all()) == 4


def test_the_periods_follow_the_settings(app, session, storage, seeded):
    app.config.update(RETENTION_DAYS_AFTER_EVENT=90, AUDIT_RETENTION_YEARS=12)

    report = apply_retention(session, storage)

    fresh(session)
    assert _anonymised(_registration(session, seeded["recent"]))  # 100 days ago
    assert report.claims == 0 and len(session.get(Claim, seeded["ancient"].id).receipts) == 2


def test_a_registration_erased_with_its_claim_kept_is_finished_after_the_audit_period(
    session, storage, submitted
):
    claim = submitted(full_name="Ana Ilić")
    end_event(session, claim.registration.event_id, days_ago=3)
    erase(session, claim.registration_id, storage)
    assert apply_retention(session, storage) == RetentionReport()  # kept for the audit

    end_event(session, claim.registration.event_id, years_ago=10, days_ago=1)
    report = apply_retention(session, storage)

    assert (report.registrations, report.claims) == (0, 1)
    fresh(session)
    assert session.get(Registration, claim.registration_id).full_name == ERASED_NAME
    assert session.get(Claim, claim.id).receipts == []
