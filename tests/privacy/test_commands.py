"""`flask regsvc retention`, as the daily scheduler runs it."""

from sqlalchemy import select

from regsvc.audit.models import AuditEntry
from regsvc.privacy.services import ERASED_NAME, RETENTION_RUN
from regsvc.registration.models import Registration
from tests.conftest import fresh
from tests.privacy.conftest import draft_claim, end_event


def test_the_retention_command_anonymises_and_says_what_it_did(
    runner, session, storage, make_event, make_registration
):
    event = make_event(host_town="Belgrade")
    plain = make_registration(event).registration
    draft_claim(session, storage, make_registration(event).registration)
    end_event(session, event.id, days_ago=181)

    result = runner.invoke(args=["regsvc", "retention"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Anonymised 2 registration(s) without a claim 180 days after their event, deleting 1 draft claim(s).",
        "Anonymised 0 claim(s) 10 years after their event (the audit period), with their registrations.",
        "Deleted 2 receipt file(s).",
        "Removed 0 rate-limit counter(s) of past days.",
    ]
    fresh(session)
    assert session.get(Registration, plain.id).full_name == ERASED_NAME
    assert (
        session.scalars(select(AuditEntry.details).where(AuditEntry.action == RETENTION_RUN)).one()[
            "registrations"
        ]
        == 2
    )


def test_a_run_with_nothing_to_do_is_logged_too(runner, session):
    result = runner.invoke(args=["regsvc", "retention"])
    assert result.exit_code == 0 and "Anonymised 0 registration(s)" in result.output
    assert len(session.scalars(select(AuditEntry).where(AuditEntry.action == RETENTION_RUN)).all()) == 1


def test_retention_removes_rate_limit_counters_of_past_days(app, runner, session):
    from datetime import timedelta

    from sqlalchemy import select

    from regsvc.db import utcnow
    from regsvc.limits import RateCounter

    session.add_all(
        [
            RateCounter(key="register:10.0.0.1", window_start=utcnow() - timedelta(days=3), hits=5),
            RateCounter(key="register:10.0.0.2", window_start=utcnow(), hits=1),
        ]
    )
    session.commit()
    result = runner.invoke(args=["regsvc", "retention"])
    assert "Removed 1 rate-limit counter(s)" in result.output
    session.expire_all()
    assert session.scalars(select(RateCounter.key)).all() == ["register:10.0.0.2"]
