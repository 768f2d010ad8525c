"""Personal data by the participant and by schedule (DESIGN §2, "Personal data").

A participant may have their data erased from their private page (`erase`); the daily
`retention` command (`apply_retention`) anonymises what is past its period. Both come down to
the same steps, taken under the lock on the event's seats, so that an erasure and a retention
run never act on one registration at once:

- a registration is anonymised (`_anonymise`): its name, contact details, private links and
  check-in code go; what the seat counts and the seats' audit need stays (event, attendance,
  dates), and so does the name while the donor's auditor needs it;
- a travel claim finance has seen is kept for the donor's audit until AUDIT_RETENTION_YEARS
  after its event, then anonymised with its receipts deleted (`_drop_claim`). A draft, which
  finance never saw, goes with its registration.

The audit log says what was done and when, never the data erased: `registration.erased` (the
participant asked), `registration.anonymised` and `claim.anonymised` (the schedule), and one
`privacy.retention` entry per run with its counts. It is also how a run knows what is done.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from regsvc.audit.models import AuditEntry
from regsvc.audit.services import PARTICIPANT, record
from regsvc.claims.drafting import claim_of
from regsvc.claims.models import Claim, ClaimStatus
from regsvc.claims.transitions import locked_claim
from regsvc.db import utcnow, write_transaction
from regsvc.events.models import Event
from regsvc.mail.models import MailStatus, OutboxMessage
from regsvc.registration.models import Attendance, Registration, RegistrationLink, new_checkin_code
from regsvc.registration.services import SeatLock, allocate, attendance_changed_by, seat_transaction
from regsvc.storage import Storage
from regsvc.text import search_key

log = logging.getLogger(__name__)

# What staff pages, lists and PDFs show for an anonymised person: a stored value, not words
# in a language.
ERASED_NAME = "(erased)"

ERASED = "registration.erased"
ANONYMISED = "registration.anonymised"
CLAIM_ANONYMISED = "claim.anonymised"
RETENTION_RUN = "privacy.retention"


@dataclass(frozen=True)
class RetentionPeriods:
    """How long personal data is kept after an event ends."""

    days_after_event: int  # registrations without a claim
    audit_years: int  # claims finance has seen, with their receipts and what the auditor needs

    @classmethod
    def from_settings(cls) -> RetentionPeriods:
        config = current_app.config
        return cls(
            days_after_event=config["RETENTION_DAYS_AFTER_EVENT"],
            audit_years=config["AUDIT_RETENTION_YEARS"],
        )

    def claims_kept_until(self, event: Event) -> datetime:
        return years_after(event.ends_at, self.audit_years)


def years_after(moment: datetime, years: int) -> datetime:
    """The same day and time `years` later (earlier, if negative); 29 February becomes the 28th."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


# --- erasure at the participant's request ---------------------------------------------------


class AlreadyErased(Exception):
    """The registration was erased meanwhile (a second tab, a second click)."""


@dataclass(frozen=True)
class Erasure:
    """What erasing a registration does: shown to the participant before, done by `erase`."""

    cancels: bool  # the event has not begun: the registration is cancelled, its seat freed
    claim: Claim | None
    kept_until: datetime | None  # the claim is kept for the donor's audit until then

    @property
    def keeps_claim(self) -> bool:
        return self.kept_until is not None

    @property
    def deletes_draft(self) -> bool:
        return self.claim is not None and self.claim.status == ClaimStatus.DRAFT

    @property
    def kept_amount(self) -> int | None:
        """The claim's amount as it stands: approved, or else claimed."""
        if self.claim is None or not self.keeps_claim:
            return None
        return self.claim.claimed if self.claim.approved_amount is None else self.claim.approved_amount


def plan_erasure(session: Session, registration: Registration, now: datetime | None = None) -> Erasure:
    now = now or utcnow()
    event = registration.event
    claim = claim_of(session, registration)
    kept_until = RetentionPeriods.from_settings().claims_kept_until(event)
    # Finance has seen it (submitted, decided, paid or rejected): the donor's auditor may ask.
    keeps_claim = claim is not None and claim.status != ClaimStatus.DRAFT and now < kept_until
    return Erasure(
        # Nobody could use the seat any more: no name at the desk, no link, no check-in code.
        # Once the event has begun, the attendance is part of its record and stays.
        cancels=now < event.starts_at and registration.attendance != Attendance.CANCELLED,
        claim=claim,
        kept_until=kept_until if keeps_claim else None,
    )


def erase(
    session: Session, registration_id: int, storage: Storage, *, now: datetime | None = None
) -> Erasure:
    """Erase a registration at its participant's request, at once: `plan_erasure` says what
    goes and what is kept. Its private links stop working. AlreadyErased if it was."""
    now = now or utcnow()
    event_id = session.execute(
        select(Registration.event_id).where(Registration.id == registration_id)
    ).scalar_one()
    with _deleted_after_commit(storage) as files, seat_transaction(session, event_id) as lock:
        registration = session.get_one(Registration, registration_id, populate_existing=True)
        if _erased(session, registration_id):
            raise AlreadyErased(registration_id)
        erasure = plan_erasure(session, registration, now)
        if erasure.cancels:
            _cancel(lock, registration, now)
        if erasure.claim is not None and not erasure.keeps_claim:
            files += _drop_claim(session, erasure.claim.id, PARTICIPANT)
        _anonymise(session, [registration], keep_for_audit=erasure.keeps_claim)
        record(
            session,
            PARTICIPANT,
            ERASED,
            event_id=event_id,
            subject=registration,
            cancelled=erasure.cancels or None,
            draft_claim_deleted=erasure.deletes_draft or None,
            claim_kept_until=erasure.kept_until.date().isoformat() if erasure.kept_until else None,
        )
    return erasure


def _cancel(lock: SeatLock, registration: Registration, now: datetime) -> None:
    """Cancel through the seat allocation, as the participant's own cancelling would: the
    seat goes to the waiting list, and whatever follows attendance is told."""
    before = registration.attendance
    allocate(lock, registration, Attendance.CANCELLED, now=now)
    attendance_changed_by(lock.session, registration, before, PARTICIPANT)


# --- retention by schedule -----------------------------------------------------------------


@dataclass
class RetentionReport:
    """What one run did."""

    registrations: int = 0  # anonymised: no claim, past RETENTION_DAYS_AFTER_EVENT
    drafts: int = 0  # draft claims deleted with them
    claims: int = 0  # anonymised, past AUDIT_RETENTION_YEARS, with their registrations
    files: int = 0  # stored receipt files (photos, previews, thumbnails) deleted


def apply_retention(session: Session, storage: Storage, *, now: datetime | None = None) -> RetentionReport:
    """Anonymise what is past its retention period, one event at a time; the run and its
    counts go into the audit log. Running it again does nothing more."""
    now = now or utcnow()
    periods = RetentionPeriods.from_settings()
    report = RetentionReport()
    unclaimed = _unclaimed(now - timedelta(days=periods.days_after_event))
    for event_id in session.scalars(select(Registration.event_id).where(*unclaimed).distinct()).all():
        _retire_registrations(session, storage, event_id, unclaimed, report)
    audited = _audited(years_after(now, -periods.audit_years))
    for event_id in session.scalars(
        select(Registration.event_id).join(Claim).where(*audited).distinct()
    ).all():
        _retire_claims(session, storage, event_id, audited, report)
    with write_transaction(session):
        record(
            session,
            None,
            RETENTION_RUN,
            event_id=None,
            registrations=report.registrations,
            draft_claims=report.drafts,
            claims=report.claims,
            files=report.files,
            days_after_event=periods.days_after_event,
            audit_years=periods.audit_years,
        )
    return report


def _unclaimed(ended_before: datetime) -> tuple[ColumnElement[bool], ...]:
    """Registrations of events ended before then, with no claim finance has seen, not yet
    anonymised nor erased."""
    return (
        Registration.event_id.in_(select(Event.id).where(Event.ends_at < ended_before)),
        ~select(Claim.id)
        .where(Claim.registration_id == Registration.id, Claim.status != ClaimStatus.DRAFT)
        .exists(),
        ~_recorded(Registration, (ERASED, ANONYMISED)).exists(),
    )


def _audited(ended_before: datetime) -> tuple[ColumnElement[bool], ...]:
    """Claims finance has seen, of events ended before then, not yet anonymised (Registration
    joined)."""
    return (
        Registration.event_id.in_(select(Event.id).where(Event.ends_at < ended_before)),
        Claim.status != ClaimStatus.DRAFT,
        ~_recorded(Claim, (CLAIM_ANONYMISED,)).exists(),
    )


def _retire_registrations(
    session: Session,
    storage: Storage,
    event_id: int,
    unclaimed: Iterable[ColumnElement[bool]],
    report: RetentionReport,
) -> None:
    with _deleted_after_commit(storage) as files, seat_transaction(session, event_id):
        # Chosen again under the lock: an erasure may have come first.
        due = session.scalars(select(Registration).where(Registration.event_id == event_id, *unclaimed)).all()
        drafts = session.scalars(select(Claim.id).where(Claim.registration_id.in_([r.id for r in due]))).all()
        for claim_id in drafts:
            files += _drop_claim(session, claim_id, None)
        _anonymise(session, due, keep_for_audit=False)
        for registration in due:
            record(session, None, ANONYMISED, event_id=event_id, subject=registration)
    report.registrations += len(due)
    report.drafts += len(drafts)
    report.files += len(files)


def _retire_claims(
    session: Session,
    storage: Storage,
    event_id: int,
    audited: Iterable[ColumnElement[bool]],
    report: RetentionReport,
) -> None:
    with _deleted_after_commit(storage) as files, seat_transaction(session, event_id):
        claims = session.scalars(
            select(Claim).join(Registration).where(Registration.event_id == event_id, *audited)
        ).all()
        for claim in claims:
            files += _drop_claim(session, claim.id, None)
        registrations = [claim.registration for claim in claims]
        _anonymise(session, registrations, keep_for_audit=False)
        for registration in registrations:
            record(session, None, ANONYMISED, event_id=event_id, subject=registration)
    report.claims += len(claims)
    report.files += len(files)


# --- the steps both take --------------------------------------------------------------------


def _recorded(model: type[Registration] | type[Claim], actions: tuple[str, ...]) -> Select[int]:
    """Audit entries with one of `actions` about the row of `model` in the outer query, which
    reads Registration too: entries are recorded with their event, so the look-up stays within
    the event's entries (the log's index)."""
    return select(AuditEntry.id).where(
        AuditEntry.event_id == Registration.event_id,
        AuditEntry.subject_type == model.__tablename__,
        AuditEntry.subject_id == model.id,
        AuditEntry.action.in_(actions),
    )


def _erased(session: Session, registration_id: int) -> bool:
    erased = select(Registration.id).where(
        Registration.id == registration_id, _recorded(Registration, (ERASED, ANONYMISED)).exists()
    )
    return session.scalar(erased) is not None


def _drop_claim(session: Session, claim_id: int, actor: str | None) -> list[str]:
    """Delete a draft claim; anonymise any other and delete its receipts. Returns the names of
    the stored files to delete once this commits."""
    claim = locked_claim(session, claim_id)
    names = [
        name
        for receipt in claim.receipts
        for name in (receipt.stored_name, receipt.preview_name, receipt.thumbnail_name)
        if name
    ]
    if claim.status == ClaimStatus.DRAFT:
        session.delete(claim)
        return names
    # Its status, amounts, currency and dates stay: figures, no longer about anyone.
    claim.route = claim.account_number = claim.account_holder = ""
    receipts = len(claim.receipts)
    claim.receipts.clear()
    record(
        session,
        actor,
        CLAIM_ANONYMISED,
        event_id=claim.registration.event_id,
        subject=claim,
        receipts_deleted=receipts,
    )
    return names


def _anonymise(session: Session, registrations: Sequence[Registration], *, keep_for_audit: bool) -> None:
    """Blank what identifies or reaches the person. `keep_for_audit`: their claim is kept, and
    the auditor needs the name and the town the cap was fixed from."""
    if not registrations:
        return
    addresses = {
        registration.email_normalised for registration in registrations if registration.email_normalised
    }
    for registration in registrations:
        registration.email = registration.phone = registration.needs = ""
        registration.email_normalised = None
        registration.organisation = registration.position = ""
        registration.consents_to_publication = False
        if keep_for_audit:
            registration.search_text = search_key(registration.full_name)  # finance finds the claim by it
        else:
            registration.full_name = ERASED_NAME
            registration.departure_town = registration.search_text = ""
        # The old code is on printed badges and in e-mails: it must no longer check anyone in.
        registration.checkin_code = new_checkin_code()
    session.execute(
        delete(RegistrationLink).where(RegistrationLink.registration_id.in_([r.id for r in registrations]))
    )
    _forget_mail(session, addresses)


# Nothing reads outbox rows back through the session that erases (the sender has its own).
_UNSYNCHRONISED = {"synchronize_session": False}


def _forget_mail(session: Session, addresses: set[str]) -> None:
    """Remove the recipient and text of the e-mails to these addresses.

    The outbox knows messages by address only. An address still registered for another
    event (the same person) keeps its messages not yet sent: they may be that registration's,
    and the sender drops their text once sent."""
    if not addresses:
        return
    still_used = set(
        session.scalars(
            select(Registration.email_normalised).where(Registration.email_normalised.in_(addresses))
        )
    )
    gone = addresses - still_used
    recipient = func.lower(OutboxMessage.recipient)
    session.execute(
        update(OutboxMessage)
        .where(recipient.in_(gone), OutboxMessage.status == MailStatus.PENDING)
        .values(status=MailStatus.FAILED, last_error="not sent: the recipient's data was erased"),
        execution_options=_UNSYNCHRONISED,
    )
    session.execute(
        update(OutboxMessage)
        .where(
            or_(
                recipient.in_(gone),
                and_(
                    recipient.in_(still_used),
                    OutboxMessage.status.in_((MailStatus.SENT, MailStatus.FAILED)),
                ),
            )
        )
        .values(recipient="", body=""),
        execution_options=_UNSYNCHRONISED,
    )


@contextmanager
def _deleted_after_commit(storage: Storage) -> Iterator[list[str]]:
    """Collects the names of stored files to delete once the transaction that forgets them has
    committed; nothing is deleted if it fails. A delete that fails is logged and leaves a
    stray file, which sweep-uploads removes: never a row whose file is gone."""
    names: list[str] = []
    yield names
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            log.exception("could not delete erased upload %s", name)
