"""Finance review: the claim state machine and its money rules (DESIGN §2)."""

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import event as sa_event
from sqlalchemy import select

from regsvc.audit.models import AuditEntry
from regsvc.claims.drafting import submit_claim
from regsvc.claims.models import ClaimStatus
from regsvc.claims.review import (
    ReviewError,
    advisory_flags,
    approve,
    ask_for_information,
    finance_queue,
    mark_paid,
    reject,
)
from regsvc.mail.models import OutboxMessage
from regsvc.registration.models import RegistrationLink
from regsvc.roles import Role
from regsvc.security import hash_token, new_token
from regsvc.storage import current_storage
from tests.claims.conftest import after_start
from tests.claims.test_documents import pdf_text
from tests.conftest import fresh, sign_in
from tests.registration.test_pages import text_of


def test_approving_defaults_to_the_payable_amount(session, submitted, finance_user):
    claim = approve(session, submitted().id, finance_user)
    assert claim.status == ClaimStatus.APPROVED and claim.approved_amount == 360000
    assert session.scalars(select(OutboxMessage.subject)).all()[-1].startswith("Your travel claim")


def test_never_above_the_cap_without_a_logged_override(session, submitted, finance_user):
    claim = submitted()
    with pytest.raises(ReviewError, match="above the cap"):
        approve(session, claim.id, finance_user, amount=380000)
    approved = approve(
        session, claim.id, finance_user, amount=380000, override_reason="Two buses, no direct line"
    )
    assert approved.approved_amount == 380000
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "claim.approved")).one()
    assert entry.details["override"] == "Two buses, no direct line"


def test_less_than_payable_needs_a_reason_and_more_than_claimed_is_refused(session, submitted, finance_user):
    claim = submitted(amounts=(100000,))
    with pytest.raises(ReviewError, match="more than the receipts"):
        approve(session, claim.id, finance_user, amount=150000, override_reason="x")
    with pytest.raises(ReviewError, match="approve less"):
        approve(session, claim.id, finance_user, amount=50000)
    assert (
        approve(session, claim.id, finance_user, amount=50000, reason="Half was a taxi").approved_amount
        == 50000
    )


def test_a_town_without_a_fare_needs_finance_to_set_the_cap(session, submitted, finance_user):
    claim = submitted(town="Bor")
    assert claim.cap is None
    with pytest.raises(ReviewError, match="Set the cap first"):
        approve(session, claim.id, finance_user)
    approved = approve(session, claim.id, finance_user, cap=300000)
    assert (approved.cap, approved.approved_amount) == (300000, 300000)


@pytest.mark.parametrize(
    ("claimant_email", "claimant_name", "staff_email", "staff_name"),
    [
        ("finance+self@example.org", "Someone Else", "finance@example.org", "Jovana Finance"),
        ("FINANCE@Example.org", "Someone Else", "finance@example.org", "Jovana Finance"),
        ("jovana.private@example.net", "Jovana Finance", "finance@example.org", "Jovana Finance"),
        ("petrovic@example.net", "Ана Петровић", "ana.p@example.org", "Ana Petrović"),
        ("djordje@example.net", "Djordje Marković", "dm@example.org", "Đorđe MARKOVIĆ"),
        ("gj@example.net", "Ѓорѓи Ќосевски", "gk@example.org", "Kjosevski Gjorgji"),
    ],
)
def test_four_eyes_catch_the_same_person_under_another_address_or_spelling(
    session, submitted, make_user, claimant_email, claimant_name, staff_email, staff_name
):
    claim = submitted(email=claimant_email, full_name=claimant_name)
    officer = make_user(Role.FINANCE, email=staff_email)
    officer.full_name = staff_name
    session.commit()
    with pytest.raises(ReviewError, match="filed yourself"):
        approve(session, claim.id, officer)
    # Another finance officer may decide it.
    other = make_user(Role.FINANCE, email="second.officer@example.org")
    assert approve(session, claim.id, other).status == ClaimStatus.APPROVED


def test_nobody_approves_a_claim_they_filed(session, submitted, make_user):
    claim = submitted(email="ana@example.org")
    ana = make_user(Role.FINANCE, email="ana@example.org")
    with pytest.raises(ReviewError, match="filed yourself"):
        approve(session, claim.id, ana)


def test_the_state_machine(session, submitted, finance_user):
    claim = submitted()
    with pytest.raises(ReviewError, match="Say why"):
        reject(session, claim.id, finance_user, "")
    with pytest.raises(ReviewError, match="not possible now"):
        mark_paid(session, claim.id, finance_user)
    sent_back = ask_for_information(session, claim.id, finance_user, "The ticket photo is blurred.")
    assert sent_back.status == ClaimStatus.NEEDS_INFO
    assert (
        submit_claim(session, claim.id, now=after_start(session, claim.id)).status == ClaimStatus.SUBMITTED
    )  # the participant resubmits
    approve(session, claim.id, finance_user)
    assert mark_paid(session, claim.id, finance_user).status == ClaimStatus.PAID
    with pytest.raises(ReviewError, match="not possible now"):
        reject(session, claim.id, finance_user, "too late")
    other = submitted()
    assert (
        reject(session, other.id, finance_user, "Not on the attendance list").status == ClaimStatus.REJECTED
    )
    actions = [e.action for e in session.scalars(select(AuditEntry).where(AuditEntry.action.like("claim.%")))]
    assert actions.count("claim.submitted") == 3 and "claim.needs_info" in actions and "claim.paid" in actions


def test_advisory_flags(app, session, submitted):
    claim = submitted(amounts=(300000, 200000), issued_on=date(2031, 5, 1))
    flags = " ".join(advisory_flags(session, claim, current_storage()))
    assert "dated more than 7 days before or after the event" in flags
    assert "not checked in" in flags
    assert "above the cap" in flags


def test_the_receipt_date_window_is_a_setting(app, session, submitted):
    claim = submitted()
    event_day = claim.registration.event.local_starts_at.date()
    for days, flagged in ((3, False), (8, True)):
        for receipt in claim.receipts:
            receipt.issued_on = event_day - timedelta(days=days)
        session.commit()
        flags = " ".join(advisory_flags(session, claim, current_storage()))
        assert ("before or after the event" in flags) is flagged, days
    app.config["RECEIPT_DATE_WINDOW_DAYS"] = 10
    assert "before or after the event" not in " ".join(advisory_flags(session, claim, current_storage()))


def test_the_queue_takes_the_same_number_of_queries_for_any_number_of_claims(session, submitted, app):
    engine = app.extensions["regsvc.db"].engine

    def statements_for_queue():
        fresh(session)
        statements = []
        listener = lambda *args: statements.append(1)  # noqa: E731
        sa_event.listen(engine, "before_cursor_execute", listener)
        page = finance_queue(session)
        sa_event.remove(engine, "before_cursor_execute", listener)
        assert [row.claimed for row in page.items] == [380000] * page.total
        return len(statements)

    submitted()
    few = statements_for_queue()
    for _ in range(4):
        submitted()
    assert statements_for_queue() == few <= 4


def test_finance_pages(client, session, submitted, finance_user):
    claim = submitted()
    sign_in(client, finance_user)
    queue = text_of(client.get("/staff/finance/"))
    assert "Participant" in queue and "3,800.00 RSD" in queue and "3,600.00 RSD" in queue
    page = text_of(client.get(f"/staff/finance/claims/{claim.id}"))
    assert "not checked in" in page and "Approve" in page
    receipt = claim.receipts[0]
    response = client.get(f"/staff/finance/claims/{claim.id}/receipts/{receipt.id}/thumbnail", buffered=True)
    assert response.status_code == 200 and "sandbox" in response.headers["Content-Security-Policy"]
    response = client.post(
        f"/staff/finance/claims/{claim.id}/decide", data={"action": "approve", "amount": "4000"}
    )
    # Refused: the page again, with the reason and the amount as typed.
    assert response.status_code == 409 and "above the cap" in text_of(response)
    assert 'value="4000"' in response.get_data(as_text=True)
    response = client.post(
        f"/staff/finance/claims/{claim.id}/decide", data={"action": "approve", "amount": "lots"}
    )
    assert response.status_code == 422 and "is not an amount" in text_of(response)
    response = client.post(f"/staff/finance/claims/{claim.id}/decide", data={"action": "pay-twice"})
    assert response.status_code == 422 and "Choose an action" in text_of(response)
    response = client.post(
        f"/staff/finance/claims/{claim.id}/decide", data={"action": "approve"}, follow_redirects=True
    )
    assert "Claim approved." in text_of(response)
    fresh(session)
    assert session.get(type(claim), claim.id).approved_amount == 360000


def test_finance_downloads_the_claim_pdf_and_its_archival_copy(client, submitted, finance_user, make_user):
    claim = submitted()
    sign_in(client, finance_user)
    assert "Claim PDF" in text_of(client.get(f"/staff/finance/claims/{claim.id}"))
    response = client.get(f"/staff/finance/claims/{claim.id}/claim.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Receipt 2 of 2" in pdf_text(response.data)
    archival = client.get(f"/staff/finance/claims/{claim.id}/claim.pdf?archival=1")
    assert archival.headers["Content-Disposition"].startswith("attachment")
    assert len(PdfReader(io.BytesIO(archival.data)).attachments) == 2
    assert client.get("/staff/finance/claims/999999/claim.pdf").status_code == 404
    sign_in(client, make_user(Role.DESK))
    assert client.get(f"/staff/finance/claims/{claim.id}/claim.pdf").status_code == 403


def test_the_participant_reads_why_and_finance_sees_the_history(client, session, submitted, finance_user):
    claim = submitted()
    ask_for_information(session, claim.id, finance_user, "Please add the return ticket.")
    token = new_token()  # a private link of the participant's
    session.add(RegistrationLink(registration_id=claim.registration_id, token_hash=hash_token(token)))
    session.commit()
    page = text_of(client.get(f"/r/{token}/claim"))
    assert "Finance staff wrote: Please add the return ticket." in page
    sign_in(client, finance_user)
    history = text_of(client.get(f"/staff/finance/claims/{claim.id}"))
    assert "Submitted by the participant" in history
    assert (
        "Sent back for more information · finance" in history and "Please add the return ticket." in history
    )


def test_larger_claims_need_a_second_approval_by_another_officer(app, session, submitted, make_user):
    app.config["SECOND_APPROVAL_ABOVE"] = ["RSD 3000", "EUR 100"]
    first = make_user(Role.FINANCE, email="first@example.org")
    second = make_user(Role.FINANCE, email="second@example.org")
    claim = submitted()  # 3,600.00 RSD payable: above 3,000
    waiting = approve(session, claim.id, first)
    assert waiting.status == ClaimStatus.SUBMITTED and waiting.first_approved_amount == 360000
    assert session.scalars(select(OutboxMessage)).all()[-1].subject.startswith("Your travel claim") is False
    with pytest.raises(ReviewError, match="another finance officer must give the second"):
        approve(session, claim.id, first)
    with pytest.raises(ReviewError, match="first approval was for 3,600.00"):
        approve(session, claim.id, second, amount=350000, reason="A cheaper line existed")
    approved = approve(session, claim.id, second)
    assert approved.status == ClaimStatus.APPROVED and approved.approved_amount == 360000
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "claim.approved")).one()
    assert entry.actor_id == second.id and entry.details["first_approval"] == first.label


def test_a_smaller_claim_or_another_decision_needs_one_officer(app, session, submitted, make_user):
    app.config["SECOND_APPROVAL_ABOVE"] = ["RSD 3000"]
    first = make_user(Role.FINANCE, email="first@example.org")
    small = submitted(amounts=(100000,))
    assert approve(session, small.id, first).status == ClaimStatus.APPROVED
    large = submitted()
    approve(session, large.id, first)
    sent_back = ask_for_information(session, large.id, make_user(Role.FINANCE), "Which day was the trip?")
    assert sent_back.first_approved_by_id is None  # a new submission is approved twice again


def test_a_malformed_second_approval_setting_stops_the_app(app_settings):
    from regsvc import create_app

    with pytest.raises(RuntimeError, match="REGSVC_SECOND_APPROVAL_ABOVE: 'RSD lots'"):
        create_app({**app_settings, "SECOND_APPROVAL_ABOVE": ["RSD lots"]})


def test_finance_page_of_a_claim_waiting_for_its_second_approval(app, client, session, submitted, make_user):
    app.config["SECOND_APPROVAL_ABOVE"] = ["RSD 3000"]
    first = make_user(Role.FINANCE, email="first@example.org")
    claim = submitted()
    sign_in(client, first)
    response = client.post(
        f"/staff/finance/claims/{claim.id}/decide", data={"action": "approve"}, follow_redirects=True
    )
    assert "First approval recorded" in text_of(response)
    sign_in(client, make_user(Role.FINANCE, email="second@example.org"))
    page = text_of(client.get(f"/staff/finance/claims/{claim.id}"))
    assert "approved 3,600.00" in page and "needs a second approval" in page
    response = client.post(
        f"/staff/finance/claims/{claim.id}/decide", data={"action": "approve"}, follow_redirects=True
    )
    assert "Claim approved." in text_of(response)
