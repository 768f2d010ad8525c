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
