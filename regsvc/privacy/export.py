"""Everything stored about a participant, as they take it away from their private page: one ZIP
with `data.json` and their receipt files.

`data.json` holds the registration's own fields, its history from the audit log, its travel
claim with its receipts' details and finance's decisions, the e-mails sent to the address, and
when each private link was made. Never what only the machinery uses: token hashes, folded
search text, the names files are stored under, staff members' ids.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from tempfile import SpooledTemporaryFile
from typing import IO, Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from regsvc.audit.models import AuditEntry
from regsvc.claims.documents import claim_trail
from regsvc.claims.drafting import claim_of
from regsvc.claims.models import Claim
from regsvc.db import Base, utcnow
from regsvc.events.texts import event_text
from regsvc.mail.models import OutboxMessage
from regsvc.registration.models import Registration, RegistrationLink
from regsvc.storage import Storage

ARCHIVE_NAME = "my-data.zip"
DATA_NAME = "data.json"
# Larger archives (receipts are photos and PDFs) go to a temporary file, not memory.
IN_MEMORY_BYTES = 8 * 1024 * 1024

# Columns that are the machinery's, not facts about the person.
_REGISTRATION_INTERNAL = frozenset({"id", "event_id", "email_normalised", "search_text", "checked_in_by_id"})
_CLAIM_INTERNAL = frozenset({"id", "registration_id", "batch_id", "first_approved_by_id"})
_RECEIPT_INTERNAL = frozenset({"id", "claim_id", "stored_name", "preview_name", "thumbnail_name"})


@dataclass(frozen=True)
class PersonalData:
    data: dict[str, Any]  # what data.json holds
    files: dict[str, str]  # path in the ZIP → name in the upload storage


def personal_data_zip(session: Session, registration: Registration, storage: Storage) -> IO[bytes]:
    """The ZIP, ready to be read from its start."""
    collected = personal_data(session, registration, storage)
    archive: IO[bytes] = SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115 - the response closes it
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(DATA_NAME, json.dumps(collected.data, ensure_ascii=False, indent=2))
        for path, stored_name in collected.files.items():
            # Photos and PDFs are compressed already.
            bundle.writestr(path, storage.read(stored_name), zipfile.ZIP_STORED)
    archive.seek(0)
    return archive


def personal_data(session: Session, registration: Registration, storage: Storage) -> PersonalData:
    event = registration.event
    claim = claim_of(session, registration)
    files = _receipt_files(claim, storage) if claim else {}
    data = {
        "exported_at": _plain(utcnow()),
        "event": {
            "title": event_text(event, "title", registration.locale),
            "starts_at": _plain(event.starts_at),
            "ends_at": _plain(event.ends_at),
            "timezone": event.timezone,
            "venue": event_text(event, "venue_name", registration.locale),
        },
        "registration": _fields(registration, _REGISTRATION_INTERNAL),
        "history": [_entry(entry) for entry in _history(session, registration)],
        "private_links": [
            {"created_at": _plain(created)}
            for created in session.scalars(
                select(RegistrationLink.created_at)
                .where(RegistrationLink.registration_id == registration.id)
                .order_by(RegistrationLink.created_at)
            )
        ],
        "emails": _emails(session, registration),
        "travel_claim": _claim(session, claim, files) if claim else None,
    }
    return PersonalData(data, {path: stored_name for stored_name, path in files.items()})


def _receipt_files(claim: Claim, storage: Storage) -> dict[str, str]:
    """Stored name → path in the ZIP, for each receipt whose file is there."""
    files = {}
    for number, receipt in enumerate(claim.receipts, 1):
        if storage.exists(receipt.stored_name):
            extension = "pdf" if receipt.mime == "application/pdf" else "jpg"
            files[receipt.stored_name] = f"receipts/receipt-{number}.{extension}"
    return files


def _history(session: Session, registration: Registration) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.event_id == registration.event_id,
                AuditEntry.subject_type == Registration.__tablename__,
                AuditEntry.subject_id == registration.id,
            )
            .order_by(AuditEntry.at, AuditEntry.id)
        )
    )


def _emails(session: Session, registration: Registration) -> list[dict[str, Any]]:
    """The e-mails to the registration's address: to whom, about what, when (their text is
    not kept once sent)."""
    if not registration.email_normalised:
        return []
    messages = session.scalars(
        select(OutboxMessage)
        .where(func.lower(OutboxMessage.recipient) == registration.email_normalised)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    )
    return [
        {
            "recipient": message.recipient,
            "subject": message.subject,
            "written_at": _plain(message.created_at),
            "sent_at": _plain(message.sent_at),
        }
        for message in messages
    ]


def _claim(session: Session, claim: Claim, files: dict[str, str]) -> dict[str, Any]:
    return {
        **_fields(claim, _CLAIM_INTERNAL),
        "receipts": [
            {**_fields(receipt, _RECEIPT_INTERNAL), "file": files.get(receipt.stored_name)}
            for receipt in claim.receipts
        ],
        "decisions": [_entry(entry) for entry in claim_trail(session, [claim])[claim.id]],
    }


def _entry(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": _plain(entry.at),
        "action": entry.action,
        # Staff members are named by their role in the process, not by name.
        "by": "staff" if entry.actor_id is not None else entry.actor_label,
        "details": entry.details,
    }


def _fields(record: Base, internal: frozenset[str]) -> dict[str, Any]:
    """Every column of the row but `internal` ones: a column added later is included."""
    return {
        column.key: _plain(getattr(record, column.key))
        for column in inspect(type(record)).column_attrs
        if column.key not in internal
    }


def _plain(value: Any) -> Any:
    """A value as JSON holds it: moments and dates in ISO 8601 (UTC)."""
    return value.isoformat() if isinstance(value, datetime | date) else value
