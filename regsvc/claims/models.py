from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from regsvc.auth.models import StaffUser
from regsvc.db import Base, UTCDateTime, utcnow
from regsvc.registration.models import Registration


class ClaimStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    NEEDS_INFO = "needs_info"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"


class TravelMode(StrEnum):
    BUS = "bus"
    CAR = "car"
    OTHER = "other"


class PayoutMethod(StrEnum):
    BANK = "bank"
    CASH = "cash"  # at the venue


class ExpenseKind(StrEnum):
    """What a receipt proves was paid."""

    BUS_TICKET = "bus_ticket"
    FUEL = "fuel"
    TOLL = "toll"
    OTHER = "other"


class Claim(Base):
    """A participant's travel claim. Money in minor units of the event's currency."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="RESTRICT"), unique=True
    )
    status: Mapped[str] = mapped_column(String(12), default=ClaimStatus.DRAFT)
    travel_mode: Mapped[str] = mapped_column(String(8), default="")
    route: Mapped[str] = mapped_column(Text, default="")
    payout_method: Mapped[str] = mapped_column(String(8), default="")
    account_number: Mapped[str] = mapped_column(String(40), default="")  # normalised
    account_holder: Mapped[str] = mapped_column(String(200), default="")
    currency: Mapped[str] = mapped_column(String(3))
    # The return-bus fare, frozen when the claim is submitted; None: finance sets it.
    cap: Mapped[int | None] = mapped_column()
    approved_amount: Mapped[int | None] = mapped_column()
    # A claim above SECOND_APPROVAL_ABOVE: the first of its two approvals, while it waits for
    # the second by another finance officer (cleared by any other decision).
    first_approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", name="fk_claims_first_approved_by")
    )
    first_approved_amount: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The bank transfer this approved claim is paid with, once finance puts it in one.
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payment_batches.id"), index=True)

    registration: Mapped[Registration] = relationship(lazy="joined")
    batch: Mapped[PaymentBatch | None] = relationship(back_populates="claims")
    first_approved_by: Mapped[StaffUser | None] = relationship(lazy="joined")
    receipts: Mapped[list[Receipt]] = relationship(
        back_populates="claim", order_by="Receipt.id", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def claimed(self) -> int:
        """The sum of the complete receipts: one without its date or amount counts nothing yet."""
        return sum(receipt.amount or 0 for receipt in self.receipts if receipt.complete)

    @property
    def payable(self) -> int | None:
        """min(claimed, cap); None while finance has not set a cap."""
        return None if self.cap is None else min(self.claimed, self.cap)


class Receipt(Base):
    """Proof of the trip: a bus ticket, fuel or toll bill, as a photo or a PDF."""

    __tablename__ = "receipts"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="ck_receipts_amount_not_negative"),
        Index("ix_receipts_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    # None until the participant enters them: the file is kept as soon as it is accepted, so
    # that a mistyped date never means choosing the photo again (see `complete`).
    issued_on: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[int | None] = mapped_column()  # minor units
    # Files in the upload storage (regsvc.storage), named at random.
    stored_name: Mapped[str] = mapped_column(String(80))
    preview_name: Mapped[str | None] = mapped_column(String(80))
    thumbnail_name: Mapped[str] = mapped_column(String(80))
    # SHA-256 of the upload as received: the same file in another claim is an advisory flag.
    sha256: Mapped[str] = mapped_column(String(64))
    # SHA-256 of the stored file, what is served and attached (a photo is re-encoded, so the two
    # differ); None for receipts stored before it was recorded (see claims.documents).
    stored_sha256: Mapped[str | None] = mapped_column(String(64))
    mime: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column()
    original_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    claim: Mapped[Claim] = relationship(back_populates="receipts")

    @property
    def complete(self) -> bool:
        """Its date and amount are entered: a claim is submitted only with complete receipts."""
        return self.issued_on is not None and self.amount is not None


class PaymentBatch(Base):
    """Approved claims paid together by bank transfer: one file for the bank, one dossier
    for the donor's audit. All in one currency."""

    __tablename__ = "payment_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    claims: Mapped[list[Claim]] = relationship(back_populates="batch", order_by="Claim.id")
    created_by: Mapped[StaffUser] = relationship(foreign_keys=[created_by_id], lazy="joined")
    paid_by: Mapped[StaffUser | None] = relationship(foreign_keys=[paid_by_id], lazy="joined")

    @property
    def total(self) -> int:
        return sum(claim.approved_amount or 0 for claim in self.claims)

    @property
    def created_by_label(self) -> str:
        return self.created_by.label

    @property
    def paid_by_label(self) -> str:
        return self.paid_by.label if self.paid_by else ""
