"""Payment batches: approved bank-transfer claims paid together, with a bank CSV and a dossier."""

import csv
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from regsvc.audit.models import AuditEntry
from regsvc.claims.batches import (
    BatchError,
    bank_csv,
    batch_with_claims,
    claims_awaiting_batch,
    create_batch,
    dissolve_batch,
    mark_batch_paid,
)
from regsvc.claims.models import ClaimStatus, PaymentBatch, PayoutMethod
from regsvc.claims.review import ReviewError, approve, mark_paid
from regsvc.events.fares import parse_fares, replace_fares
from regsvc.mail.models import OutboxMessage
from regsvc.roles import Role
from tests.claims.test_documents import pdf_text
from tests.conftest import fresh, sign_in
from tests.registration.test_pages import text_of

ACCOUNT = (PayoutMethod.BANK, "RS35 2600 0560 1001 6113 79", "Ana Anić")


@pytest.fixture
def approved(session, submitted, finance_user):
    """An approved claim paid by bank transfer (3,600.00 RSD unless told otherwise)."""

    def make(**fields):
        fields.setdefault("payout", ACCOUNT)
        claim = submitted(**fields)
        return approve(session, claim.id, finance_user)

    return make


def test_a_batch_of_approved_bank_claims_is_paid_in_one_step(session, approved, finance_user):
    first, second = approved(), approved(amounts=(150000,))
    assert [claim.id for claim in claims_awaiting_batch(session)] == [first.id, second.id]
    batch = create_batch(session, [first.id, second.id], finance_user)
    assert claims_awaiting_batch(session) == []
    assert batch_with_claims(session, batch.id).total == 360000 + 150000
    mark_batch_paid(session, batch.id, finance_user)
    fresh(session)
    batch = batch_with_claims(session, batch.id)
    assert batch.paid_at is not None and batch.paid_by_label == finance_user.label
    assert [claim.status for claim in batch.claims] == [ClaimStatus.PAID, ClaimStatus.PAID]
    paid = session.scalars(select(AuditEntry).where(AuditEntry.action == "claim.paid")).all()
    assert sorted(entry.subject_id for entry in paid) == [first.id, second.id]
    assert all(entry.details["batch"] == batch.id for entry in paid)
    subjects = session.scalars(select(OutboxMessage.subject)).all()
    assert sum(subject.startswith("Your travel claim") for subject in subjects) == 4  # approved + paid, twice
    with pytest.raises(BatchError, match="already paid"):
        mark_batch_paid(session, batch.id, finance_user)


def test_what_cannot_go_into_a_batch(session, approved, submitted, finance_user, make_user):
    cash = approve(session, submitted().id, finance_user)
    with pytest.raises(BatchError, match="paid in cash"):
        create_batch(session, [cash.id], finance_user)
    not_approved = submitted(payout=ACCOUNT)
    with pytest.raises(BatchError, match="no longer waiting"):
        create_batch(session, [not_approved.id], finance_user)
    with pytest.raises(BatchError, match="at least one"):
        create_batch(session, [], finance_user)
    with pytest.raises(BatchError, match="no longer exists"):
        create_batch(session, [999999], finance_user)
    claim = approved()
    create_batch(session, [claim.id], finance_user)
    with pytest.raises(BatchError, match="no longer waiting"):
        create_batch(session, [claim.id], finance_user)
    # A claim in a batch is paid with its batch, not on its own; so is any bank transfer.
    with pytest.raises(ReviewError, match="in payment batch"):
        mark_paid(session, claim.id, finance_user)
    with pytest.raises(ReviewError, match="paid in a payment batch"):
        mark_paid(session, approved().id, finance_user)
    own = approved(email="treasurer@example.org")
    with pytest.raises(BatchError, match="filed yourself"):
        create_batch(session, [own.id], make_user(Role.FINANCE, email="treasurer@example.org"))
    fresh(session)
    assert len(session.scalars(select(PaymentBatch)).all()) == 1


def test_a_batch_is_in_one_currency(session, approved, make_event, finance_user):
    skopje = make_event(host_town="Skopje", currency="MKD", onsite_capacity=10)
    replace_fares(session, skopje, parse_fares("Bitola, 1200", "MKD"), None)
    dinars, denars = approved(), approved(town="Bitola", event=skopje, amounts=(100000,))
    with pytest.raises(BatchError, match="one currency; these claims are in MKD, RSD"):
        create_batch(session, [dinars.id, denars.id], finance_user)


def test_a_batch_not_paid_yet_can_be_dissolved(session, approved, finance_user):
    claim = approved()
    batch = create_batch(session, [claim.id], finance_user)
    dissolve_batch(session, batch.id, finance_user)
    fresh(session)
    assert [waiting.id for waiting in claims_awaiting_batch(session)] == [claim.id]
    assert session.scalar(select(AuditEntry.details).where(AuditEntry.action == "batch.dissolved")) == {
        "claims": [claim.id]
    }


def test_the_bank_csv(session, approved, finance_user):
    claim = approved(full_name="=cmd|' /C calc'!A0")
    batch = batch_with_claims(session, create_batch(session, [claim.id], finance_user).id)
    data = bank_csv(batch)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [
        ["name", "account", "amount", "currency", "reference"],
        ["Ana Anić", "RS35260005601001611379", "3600.00", "RSD", f"Travel refund, claim {claim.id}"],
    ]
    nameless = approved(full_name="=cmd|' /C calc'!A0", payout=(PayoutMethod.BANK, ACCOUNT[1], ""))
    batch = batch_with_claims(session, create_batch(session, [nameless.id], finance_user).id)
    assert "'=cmd|' /C calc'!A0" in bank_csv(batch).decode("utf-8-sig")  # not a formula


def test_batch_pages(client, session, approved, finance_user, make_user):
    first, second = approved(full_name="Ana Anić"), approved(full_name="Đorđe Đokić")
    sign_in(client, finance_user)
    page = text_of(client.get("/staff/finance/batches/"))
    assert "Ana Anić" in page and "Đorđe Đokić" in page and "No batches yet." in page
    response = client.post("/staff/finance/batches/", data={}, follow_redirects=True)
    assert "Choose at least one approved claim." in text_of(response)
    response = client.post("/staff/finance/batches/", data={"claim": [str(first.id), str(second.id)]})
    assert response.status_code == 302
    batch_url = response.headers["Location"]
    page = text_of(client.get(batch_url))
    assert "2 transfers" in page and "7,200.00 RSD" in page
    bank = client.get(f"{batch_url}/bank.csv")
    assert bank.mimetype == "text/csv" and "RS35260005601001611379" in bank.get_data(as_text=True)
    dossier = client.get(f"{batch_url}/dossier.pdf")
    text = pdf_text(dossier.data)
    assert "Payment batch" in text and "Ana Anić" in text and "Đorđe Đokić" in text and "7,200.00 RSD" in text
    archival = client.get(f"{batch_url}/dossier.pdf?archival=1")
    assert len(PdfReader(io.BytesIO(archival.data)).attachments) == 4
    # Paying needs the box ticked.
    response = client.post(f"{batch_url}/paid", data={}, follow_redirects=True)
    assert "Tick the box" in text_of(response)
    response = client.post(f"{batch_url}/paid", data={"confirm": "y"}, follow_redirects=True)
    assert "marked paid" in text_of(response)
    fresh(session)
    assert {claim.status for claim in session.scalars(select(PaymentBatch)).one().claims} == {
        ClaimStatus.PAID
    }
    response = client.post(f"{batch_url}/dissolve", follow_redirects=True)
    assert "already paid" in text_of(response)
    assert client.get("/staff/finance/batches/999").status_code == 404
    sign_in(client, make_user(Role.ORGANISER))
    assert client.get("/staff/finance/batches/").status_code == 403
