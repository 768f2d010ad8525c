"""The one way a claim changes: under a lock on its row, from a state that allows it.

Like the seat allocation for seats: every transition (finance's decisions, payments, and
the participant's changes) reads the claim with `locked_claim`, which refuses to run
outside a write transaction and locks the row (PostgreSQL: SELECT … FOR UPDATE; SQLite:
the write lock the transaction already holds), then checks the state it finds. Of two
people acting at the same moment the second waits, finds the new state, and is told who
changed it and when: nothing happens twice.
"""

from __future__ import annotations

from collections.abc import Collection
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import current_app, has_app_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from regsvc.audit.models import AuditEntry
from regsvc.claims.labels import CLAIM_STATUS
from regsvc.claims.models import Claim


class ClaimLockNotHeld(RuntimeError):
    """A claim was about to change outside a write transaction."""


class TransitionRefused(Exception):
    """The claim's state does not allow this now; the message says what happened to it."""


def locked_claim(session: Session, claim_id: int, allowed: Collection[str] | None = None) -> Claim:
    """The claim, read afresh under a lock on its row; TransitionRefused when its state is
    not among `allowed` (None: any state)."""
    if not session.in_transaction():
        raise ClaimLockNotHeld("a claim changes only inside write_transaction")
    claim = session.scalars(
        select(Claim)
        .where(Claim.id == claim_id)
        .with_for_update(of=Claim)
        .execution_options(populate_existing=True)
    ).one()
    if allowed is not None and claim.status not in allowed:
        raise TransitionRefused(state_message(session, claim))
    return claim


def state_message(session: Session, claim: Claim) -> str:
    """What the claim's state is and who brought it there: "This claim is already Approved
    (Ana Petrović, 30 Nov 2026, 14:02)."""
    latest = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.subject_type == Claim.__tablename__, AuditEntry.subject_id == claim.id)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    status = CLAIM_STATUS(claim.status)
    if latest is None:
        return str(_l("This claim is %(status)s: that is not possible now.", status=status))
    return str(
        _l(
            "This claim is already %(status)s (%(who)s, %(when)s): that is not possible now.",
            status=status,
            who=latest.actor_label,
            when=_when(latest),
        )
    )


def _when(entry: AuditEntry) -> str:
    zone = current_app.config["STAFF_TIMEZONE"] if has_app_context() else "UTC"
    return format_datetime(entry.at, "d MMM y, HH:mm", tzinfo=ZoneInfo(zone), locale=str(get_locale()))
