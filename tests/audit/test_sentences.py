"""The audit log in plain words: every action recorded anywhere in the code has a sentence,
each sentence names only what its entries record, and real changes read as a person would
say them."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import regsvc
from regsvc.audit.models import AuditEntry
from regsvc.audit.sentences import NOTES, SENTENCES, _Known, log_lines, tell
from regsvc.audit.services import PARTICIPANT, SYSTEM, record
from regsvc.auth.services import create_user, set_active
from regsvc.claims.review import approve, reject
from regsvc.events.editing import EVENT_FIELDS, update_event
from regsvc.privacy.services import erase
from regsvc.registration.models import Attendance
from regsvc.registration.services import (
    change_attendance,
    register_walk_in,
    set_capacity,
)
from regsvc.roles import Role
from regsvc.storage import current_storage
from tests.claims.conftest import finance_user, submitted  # noqa: F401  (fixtures)
from tests.conftest import details

PACKAGE = Path(regsvc.__file__).parent
NBSP = "\u00a0"
# What a sentence may name besides the entry's details: who acted, and what the entry is about.
FROM_THE_ENTRY = {"actor", "person", "event", "claim", "batch", "registration"}


@dataclass(frozen=True)
class Recorded:
    """One call of record(): where it is, and the details it records."""

    where: str
    details: frozenset[str]


def _calls_to(tree: ast.Module, name: str):
    """(call, enclosing function) for every call of `name` in a module."""
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Call):
                    called = (
                        node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                    )
                    if called == name:
                        yield node, function


def _actions(expression: ast.expr, function: ast.FunctionDef, tree: ast.Module, constants: dict) -> set[str]:
    """The actions an argument of record() can be: a string, either branch of a conditional, a
    constant of the module, or a parameter, followed to every call of its function."""
    if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
        return {expression.value}
    if isinstance(expression, ast.IfExp):
        return _actions(expression.body, function, tree, constants) | _actions(
            expression.orelse, function, tree, constants
        )
    if isinstance(expression, ast.Name) and expression.id in constants:
        return {constants[expression.id]}
    parameters = [argument.arg for argument in function.args.args]
    if isinstance(expression, ast.Name) and expression.id in parameters:
        index, found = parameters.index(expression.id), set()
        for call, caller in _calls_to(tree, function.name):
            given = [keyword.value for keyword in call.keywords if keyword.arg == expression.id]
            argument = call.args[index] if index < len(call.args) else given[0]
            found |= _actions(argument, caller, tree, constants)
        return found
    raise AssertionError(f"cannot tell which action {ast.unparse(expression)!r} is, in {function.name}()")


def recorded_actions() -> dict[str, list[Recorded]]:
    """Every action recorded in regsvc/, read from the code: record(session, actor, action, …)."""
    found: dict[str, list[Recorded]] = defaultdict(list)
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for call, function in _calls_to(tree, "record"):
            if len(call.args) < 3:
                continue
            where = f"{path.relative_to(PACKAGE.parent)}:{call.lineno}"
            keys = frozenset(keyword.arg for keyword in call.keywords if keyword.arg) - {
                "event_id",
                "subject",
            }
            for action in _actions(call.args[2], function, tree, constants):
                found[action].append(Recorded(where, keys))
    return found


RECORDED = recorded_actions()


def test_the_code_is_really_read():
    assert {"claim.approved", "claim.rejected", "claim.needs_info"} <= RECORDED.keys()  # via _decide()
    assert {"user.enabled", "user.disabled", "registration.erased", "privacy.retention"} <= RECORDED.keys()
    assert len(RECORDED) > 35


def test_every_recorded_action_has_a_sentence():
    missing = {
        action: [r.where for r in calls] for action, calls in RECORDED.items() if action not in SENTENCES
    }
    assert missing == {}, "give these actions a sentence in regsvc/audit/sentences.py"


def test_every_sentence_is_of_an_action_the_code_records():
    assert sorted(SENTENCES.keys() - RECORDED.keys()) == []


@pytest.mark.parametrize("action", sorted(RECORDED))
def test_a_sentence_names_only_what_its_entries_record(app, action):
    with app.test_request_context():
        named = set(re.findall(r"%\((\w+)\)s", str(SENTENCES[action])))
    for call in RECORDED[action]:
        assert named - FROM_THE_ENTRY <= call.details, f"{call.where} records {sorted(call.details)}"


SAMPLES = {
    "amount": 360000,
    "payable": 360000,
    "cap": 360000,
    "claimed": 380000,
    "total": 720000,
    "before": "onsite",
    "after": "online",
    "attendance_before": "onsite",
    "attendance": "online",
    "status": "submitted",
    "roles": ["organiser", "finance"],
    "segment": "online",
    "changes": {"title": ["Old", "New"]},
    "claim_kept_until": "2036-06-30",
    "claims": [1, 2, 3],
}


@pytest.mark.parametrize("action", sorted(SENTENCES))
def test_every_sentence_reads_as_words(app, action):
    """Given all it names, a sentence is told in full: no code, no placeholder."""
    with app.test_request_context():
        named = set(re.findall(r"%\((\w+)\)s", str(SENTENCES[action])))
        subject = "claims" if "claim" in named else "payment_batches" if "batch" in named else "registrations"
        entry = AuditEntry(
            action=action,
            actor_label="Ana",
            event_id=7,
            subject_type=subject,
            subject_id=12,
            details={name: SAMPLES.get(name, 3) for name in named - FROM_THE_ENTRY},
        )
        line = tell(entry, _everything_known())
    assert "%(" not in line.sentence and action not in line.sentence
    assert line.sentence.endswith((".", "”"))  # a quotation ends its own sentence


def _everything_known() -> _Known:
    return _Known(
        people={12: "Marija Petrović"},
        claims={12: ("Marija Petrović", "RSD")},
        batches={12: "RSD"},
        events={7: "National Conference"},
    )


def sentences(session) -> list[str]:
    """The log's sentences, oldest first."""
    entries = session.query(AuditEntry).order_by(AuditEntry.id).all()
    return [line.sentence for line in log_lines(session, entries)]


def notes(session) -> list[list[str]]:
    entries = session.query(AuditEntry).order_by(AuditEntry.id).all()
    return [line.notes for line in log_lines(session, entries)]


def test_finance_decisions_read_with_the_amount_and_the_participant(app, session, submitted, finance_user):  # noqa: F811
    claim = submitted()
    approve(session, claim.id, finance_user, amount=300000, reason="One ticket was for the return of 1 July.")
    other = submitted(email="jelena@example.org", full_name="Jelena Ilić")
    reject(session, other.id, finance_user, "The trip was by car, with no fuel bill.")
    with app.test_request_context():
        said = sentences(session)
        noted = notes(session)
    assert "Participant 1 submitted travel claim 1: 3,800.00\u00a0RSD claimed, cap 3,600.00\u00a0RSD." in said
    assert f"finance (finance@example.org) approved claim 1 of Participant 1: 3,000.00{NBSP}RSD." in said
    assert noted[
        said.index(f"finance (finance@example.org) approved claim 1 of Participant 1: 3,000.00{NBSP}RSD.")
    ] == ["Reason: “One ticket was for the return of 1 July.”"]
    assert (
        "finance (finance@example.org) rejected claim 2 of Jelena Ilić: “The trip was by car, with no fuel bill.”"
        in said
    )


def test_seats_and_attendance_read_as_the_desk_and_participants_see_them(
    app, session, make_event, make_registration, organiser, desk_user
):
    event = make_event(onsite_capacity=1, title="Forum in Niš")
    first = make_registration(event, full_name="Marija Petrović").registration
    make_registration(event, full_name="Ana Waiting")
    register_walk_in(
        session,
        event.id,
        details("walk", full_name="Goran Đorđević"),
        desk_user,
        override_reason="Panel speaker",
    )
    change_attendance(session, first.id, Attendance.ONLINE)
    set_capacity(session, event.id, 4, actor=organiser)
    with app.test_request_context():
        said = sentences(session)
    assert said[-6:] == [
        "desk (desk@example.org) registered Goran Đorđević at the desk, as a walk-in.",
        "desk (desk@example.org) seated Goran Đorđević over the cap of 1 on-site seat: “Panel speaker”",
        "desk (desk@example.org) checked in Goran Đorđević.",
        "The participant changed the attendance of Marija Petrović: was on-site, now online.",
        "organiser (organiser@example.org) changed the on-site capacity of Forum in Niš from 1 to 4.",
        "Ana Waiting moved up from the waiting list to an on-site seat.",
    ]


def test_an_edited_event_says_what_changed_in_the_staff_time_zone(app, session, make_event, organiser):
    event = make_event(title="Forum", starts_at=datetime(2031, 6, 8, 7, 30, tzinfo=ZoneInfo("UTC")))
    fields = {name: getattr(event, name) for name in EVENT_FIELDS}
    fields.update(
        title="Regional Forum",
        starts_at=datetime(2031, 6, 8, 8, 0, tzinfo=ZoneInfo("UTC")),
        travel_reimbursed=False,
        description="A much longer description that goes on and on about the panels, the speakers and lunch.",
    )
    update_event(session, event.id, fields, organiser)
    with app.test_request_context():
        said = sentences(session)[-1]
    assert said.startswith("organiser (organiser@example.org) edited the event Regional Forum: ")
    assert "title: “Forum” → “Regional Forum”" in said
    assert "start: 8 Jun 2031, 09:30 → 8 Jun 2031, 10:00" in said  # Belgrade, UTC+2 in June
    assert "travel refunded: yes → no" in said
    assert "description: “Panel on civil society in crisis management." in said
    assert "“A much longer description that goes on and on about the pan…”" in said


def test_staff_accounts_and_erasure_read_in_words(app, session, organiser, make_event, make_registration):
    desk = create_user(
        session, "desk@example.org", [Role.DESK, Role.FINANCE], password="x" * 12, actor=organiser
    ).user
    set_active(session, desk.id, False, actor=organiser)
    registration = make_registration(make_event()).registration
    erase(session, registration.id, current_storage())
    with app.test_request_context():
        said = sentences(session)
        noted = notes(session)
    assert (
        "organiser (organiser@example.org) created the staff account desk@example.org, as desk, finance."
        in said
    )
    assert (
        "organiser (organiser@example.org) disabled the account desk@example.org: it can no longer sign in."
        in said
    )
    erased = [s for s in said if "personal data erased" in s]
    assert erased == [f"The participant had their personal data erased (registration {registration.id})."]
    assert "The registration was cancelled." in noted[said.index(erased[0])]


def test_an_action_without_a_sentence_is_still_told_plainly(
    app, session, make_event, make_registration, organiser
):
    event = make_event(title="Forum")
    person = make_registration(event, full_name="Marija Petrović").registration
    record(session, organiser, "badge.reprinted_twice", event_id=event.id, subject=person)
    record(session, SYSTEM, "nightly.cleanup", event_id=None)
    # A known action whose entry lacks what its sentence names: told plainly, never an error.
    record(session, PARTICIPANT, "claim.approved", event_id=event.id, subject=event)
    session.commit()
    with app.test_request_context():
        said = sentences(session)[-3:]
    assert said == [
        "organiser (organiser@example.org): badge reprinted twice (Marija Petrović).",
        "The system: nightly cleanup.",
        "The participant: claim approved (Forum).",
    ]


def test_notes_follow_only_details_the_sentence_leaves_out():
    assert set(NOTES) >= {"reason", "override", "first_approval"}
    assert "reason" in str(SENTENCES["claim.rejected"])  # said in the sentence, so not noted again


def test_dates_in_notes_are_written_out(app):
    entry = AuditEntry(
        action="registration.erased",
        actor_label=PARTICIPANT,
        event_id=None,
        subject_type="registrations",
        subject_id=3,
        details={"claim_kept_until": date(2036, 6, 30).isoformat()},
    )
    with app.test_request_context():
        line = tell(entry, _Known())
    assert line.notes == ["The travel claim is kept for the audit until 30 Jun 2036."]


def test_a_text_changed_in_another_language_names_the_language(app):
    from regsvc.audit.sentences import _field

    with app.test_request_context():
        assert _field("title_mk") == "title (Macedonian)"
        assert _field("venue_address_sq") == "venue address (Albanian)"
        assert _field("main_language") == "main language"
        assert _field("something_else") == "something else"
