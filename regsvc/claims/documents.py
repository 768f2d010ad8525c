"""A travel claim as a PDF: for the participant, for finance, and for the donor's audit.

The first page sums the claim up (participant, event, route, itemised receipts, claimed,
cap, approved, who decided what and when, signature lines); every receipt follows on pages
of its own, with a caption saying which receipt it is. Photos are the stored (upright,
metadata-free) JPEGs; PDF receipts are drawn page by page, so that the document stays one
file of pages anyone can print. The archival variant is PDF/A-3b and carries each receipt's
stored file (a PDF receipt's original bytes) attached.

The SHA-256 printed for a receipt is that of its stored file, the one attached and served, so
that an auditor who recomputes it finds the same; a photo's upload as received (not kept: it
carries the GPS position) has another, printed as such.

The document reads nothing but the static files and, through the upload storage (a folder or a
bucket), the receipts' stored files (see regsvc.documents.render).
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass

from flask import render_template
from flask_babel import gettext as _
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from regsvc.audit.models import AuditEntry
from regsvc.claims.models import Claim, Receipt
from regsvc.claims.receipts import render_pdf_pages
from regsvc.db import utcnow
from regsvc.documents.render import EmbeddedFile, document_locale, render_pdf
from regsvc.storage import Storage

# Pages of one PDF receipt drawn into the claim; a longer file is noted, and attached in
# the archival variant. Receipts are tickets and bills: one or two pages.
PDF_RECEIPT_PAGES = 10

# The claim's history as the document shows it, from the audit log.
TRAIL_ACTIONS = (
    "claim.submitted",
    "claim.cap_set",
    "claim.needs_info",
    "claim.first_approval",
    "claim.approved",
    "claim.rejected",
    "claim.paid",
    "claim.eligibility_changed",
)


@dataclass(frozen=True)
class ReceiptPages:
    """One receipt as the document draws it."""

    receipt: Receipt
    number: int
    images: list[str]  # URLs the document's fetcher can read
    stored_sha256: str  # of the stored file: what is attached and served
    pages_not_drawn: int = 0
    # The stored file is not in the storage: the document says so where the receipt would be.
    missing: bool = False


def claim_trail(session: Session, claims: Iterable[Claim]) -> dict[int, list[AuditEntry]]:
    """Each claim's decisions (submitted, approved…), oldest first: one query for any number of claims."""
    ids = [claim.id for claim in claims]
    trail: dict[int, list[AuditEntry]] = {claim_id: [] for claim_id in ids}
    if ids:
        entries = session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.subject_type == Claim.__tablename__,
                AuditEntry.subject_id.in_(ids),
                AuditEntry.action.in_(TRAIL_ACTIONS),
            )
            .order_by(AuditEntry.at, AuditEntry.id)
        )
        for entry in entries:
            if entry.subject_id is not None:  # the query asks for the claims' entries only
                trail[entry.subject_id].append(entry)
    return trail


def _stored_sha256(receipt: Receipt, storage: Storage) -> str:
    """The SHA-256 of a receipt's stored file as recorded when it was stored (a file changed since
    then no longer matches it); computed from the file for receipts stored before it was recorded."""
    return receipt.stored_sha256 or hashlib.sha256(storage.read(receipt.stored_name)).hexdigest()


def _receipt_pages(receipt: Receipt, number: int, storage: Storage) -> ReceiptPages:
    if not storage.exists(receipt.stored_name):
        return ReceiptPages(receipt, number, [], receipt.stored_sha256 or "", missing=True)
    digest = _stored_sha256(receipt, storage)
    if receipt.mime != "application/pdf":
        return ReceiptPages(receipt, number, [f"upload:{receipt.stored_name}"], digest)
    original = storage.read(receipt.stored_name)
    page_count = len(PdfReader(io.BytesIO(original), strict=False).pages)
    drawn = render_pdf_pages(original, last_page=PDF_RECEIPT_PAGES)
    images = [f"data:image/jpeg;base64,{base64.b64encode(page).decode('ascii')}" for page in drawn]
    return ReceiptPages(receipt, number, images, digest, max(page_count - len(drawn), 0))


@dataclass(frozen=True)
class ClaimEntry:
    """One claim of a document, with what the template needs besides the claim itself."""

    claim: Claim
    trail: list[AuditEntry]
    receipts: list[ReceiptPages]


def embedded_receipts(entry: ClaimEntry, storage: Storage) -> list[EmbeddedFile]:
    """The stored file of each receipt, named so that an auditor can tell them apart and described
    with the SHA-256 the document prints for it. Call in the document's locale."""
    files = []
    for item in entry.receipts:
        if item.missing:
            continue
        receipt = item.receipt
        extension = "pdf" if receipt.mime == "application/pdf" else "jpg"
        files.append(
            EmbeddedFile(
                name=f"claim-{entry.claim.id}-receipt-{item.number}.{extension}",
                data=storage.read(receipt.stored_name),
                description=_(
                    "%(name)s · SHA-256 of the attached file: %(hash)s",
                    name=receipt.original_name or "—",
                    hash=item.stored_sha256,
                ),
            )
        )
    return files


def claim_pdf(
    session: Session, claim: Claim, storage: Storage, *, archival: bool = False, locale: str | None = None
) -> bytes:
    """The claim with its receipts as one PDF; `archival`: PDF/A-3b with the receipt files
    attached; `locale`: its language (otherwise the page's)."""
    return claims_pdf(session, [claim], storage, archival=archival, locale=locale)


def claims_pdf(
    session: Session,
    claims: list[Claim],
    storage: Storage,
    *,
    archival: bool = False,
    batch=None,
    locale: str | None = None,
) -> bytes:
    """Claims in one PDF, each starting on a new page; with `batch` (a PaymentBatch), after a
    cover page listing them: the batch's dossier for the donor's audit."""
    trail = claim_trail(session, claims)
    entries = [
        ClaimEntry(
            claim,
            trail[claim.id],
            [_receipt_pages(receipt, number, storage) for number, receipt in enumerate(claim.receipts, 1)],
        )
        for claim in claims
    ]
    with document_locale(locale):
        html = render_template(
            "pdf/claims.html", entries=entries, batch=batch, archival=archival, printed_at=utcnow()
        )
        embedded = (
            [file for entry in entries for file in embedded_receipts(entry, storage)] if archival else []
        )
    return render_pdf(
        html,
        readers={"upload": storage.read},
        archival=archival,
        embedded_files=embedded,
    )
