"""A travel claim from start to finish in a real browser: the participant fills it in on a phone with
two photographed receipts, finance approves it on a laptop, and the claim PDF documents both."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from regsvc.auth.services import create_user
from regsvc.claims.drafting import ClaimDetails, add_receipt, open_claim, save_details, submit_claim
from regsvc.claims.models import Claim, ClaimStatus, ExpenseKind, PayoutMethod, TravelMode
from regsvc.claims.receipts import process_upload
from regsvc.claims.review import approve
from regsvc.events.fares import parse_fares, replace_fares
from regsvc.roles import Role
from regsvc.storage import current_storage
from tests.claims.conftest import start_event
from tests.claims.corpus import phone_photo
from tests.claims.test_documents import pdf_text
from tests.conftest import fresh
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1280, "height": 800}
BANK_ACCOUNT = "RS35 2600 0560 1001 6113 79"


@pytest.fixture
def laptop(browser):
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def fact(page, term: str):
    """The value shown next to a term in a page's list of facts ("Claimed", "Cap"…)."""
    return page.locator(f".facts div:has(> dt:text-is('{term}')) > dd")


def add_photo_receipt(
    page, name: str, photo: bytes, kind: str, day: str, amount: str, *, added: str = "Receipt added."
) -> None:
    """What a participant does for each receipt: take the photo, then say what it is."""
    listed = page.locator(".receipts li")
    before = listed.count()
    form = page.get_by_role("form", name="Add a receipt")  # each stored receipt has a form of its own too
    form.get_by_label("Photo or PDF of the receipt").set_input_files(
        {"name": name, "mimeType": "image/jpeg", "buffer": photo}
    )
    form.get_by_label("Kind").select_option(label=kind)
    form.get_by_label("Date on the receipt").fill(day)
    form.get_by_label("Amount paid").fill(amount)
    form.get_by_role("button", name="Add receipt").click()
    expect(page.get_by_text(added)).to_be_visible()
    expect(listed).to_have_count(before + 1)  # the previous page's notice says the same


def test_a_claim_made_on_a_phone_is_approved_by_finance_and_documented_in_its_pdf(
    live_server, phone, laptop, session, app, make_event, make_registration
):
    event = make_event(title="National Conference for Serbia", host_town="Belgrade", onsite_capacity=10)
    replace_fares(session, event, parse_fares("Niš, 3600", "RSD"), None)
    token = make_registration(event, full_name="Jelena Ilić", departure_town="Niš").token
    create_user(
        session,
        "milica@example.org",
        [Role.FINANCE],
        password="correct horse battery",
        full_name="Milica Petrović",
    )
    start_event(session, event.id)  # claims are submitted once the event has started
    session.refresh(event)
    travel_day = event.local_starts_at.date().isoformat()

    # -- The participant, on a phone, from the private link.
    page = phone
    page.goto(f"{live_server}/r/{token}/claim")
    expect(page.get_by_role("heading", name="Travel claim")).to_be_visible()
    # Two photos as a phone camera saves them: held upright (EXIF orientation 6), with GPS.
    add_photo_receipt(page, "IMG_0001.jpg", phone_photo(1600, 1200), "Bus ticket", travel_day, "1900")
    expect(page.get_by_text("You can add 9 more receipts.")).to_be_visible()
    # The second without its date: the photo is kept all the same, and its date asked for next to it.
    add_photo_receipt(
        page,
        "IMG_0002.jpg",
        phone_photo(1600, 1200, quality=80),
        "Bus ticket",
        "",
        "2.100,00",
        added="The photo or PDF is saved.",
    )
    kept = page.get_by_role("form", name="Date and amount of IMG_0002.jpg")
    expect(kept.get_by_text("Please enter the date on the receipt.")).to_be_visible()
    expect(kept.get_by_label("Amount paid")).to_have_value("2.100,00")  # as typed
    expect(page.get_by_text("1 receipt is not complete yet")).to_be_visible()
    expect(fact(page, "Claimed")).to_have_text("1,900.00 RSD")  # not counted until complete
    screenshot(page, "19-claim-receipt-without-date")
    kept.get_by_label("Date on the receipt").fill(travel_day)
    kept.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Receipt saved.")).to_be_visible()
    expect(page.get_by_text("You can add 8 more receipts.")).to_be_visible()
    receipts = page.locator(".receipts li")
    expect(receipts).to_have_count(2)
    expect(receipts.nth(0)).to_contain_text("1,900.00 RSD")
    expect(receipts.nth(1)).to_contain_text("2,100.00 RSD")
    # The thumbnails show the photos upright, as the participant held the phone.
    for thumbnail in receipts.get_by_role("img").all():
        expect(thumbnail).to_have_js_property("complete", True)
        width, height = thumbnail.evaluate("img => [img.naturalWidth, img.naturalHeight]")
        assert 0 < width < height

    page.get_by_label("By bus").check()
    page.get_by_label("Route").fill("Niš – Beograd and back")
    page.get_by_label("Bank transfer").check()
    page.get_by_label("Bank account (IBAN, or Serbian or Macedonian account number)").fill(BANK_ACCOUNT)
    page.get_by_label("Account holder").fill("Jelena Ilić")
    # The sum of the receipts, and what will be refunded: the cap is the fare from Niš.
    expect(fact(page, "Claimed")).to_have_text("4,000.00 RSD")
    expect(fact(page, "Refund limit")).to_have_text("3,600.00 RSD")
    expect(
        page.get_by_text("You claim 4,000.00 RSD. You will get back at most 3,600.00 RSD.")
    ).to_be_visible()
    screenshot(page, "20-claim-two-receipts")

    # Straight to "Submit", without "Save": what was typed above goes with the submission.
    page.get_by_role("button", name="Submit my claim").click()
    expect(page.get_by_text("Your claim is submitted.")).to_be_visible()
    expect(page.get_by_text("Submitted: finance staff will review it")).to_be_visible()
    # Once submitted, nothing can be changed from the phone any more.
    expect(page.get_by_role("button", name="Add receipt")).to_have_count(0)
    expect(page.get_by_role("button", name="Remove")).to_have_count(0)
    screenshot(page, "21-claim-submitted")

    # -- Finance, on a laptop.
    staff = laptop
    staff.goto(f"{live_server}/staff/finance/")
    staff.get_by_label("E-mail").fill("milica@example.org")
    staff.get_by_label("Password").fill("correct horse battery")
    staff.get_by_role("button", name="Sign in").click()
    expect(staff.get_by_role("heading", name="Travel claims")).to_be_visible()
    row = staff.locator("tbody tr", has_text="Jelena Ilić")
    expect(row).to_contain_text("Niš")
    expect(row).to_contain_text("4,000.00 RSD")
    expect(row).to_contain_text("3,600.00 RSD")
    screenshot(staff, "22-finance-queue")
    row.get_by_role("link", name="Jelena Ilić").click()

    expect(staff.get_by_role("heading", name="Jelena Ilić")).to_be_visible()
    expect(staff.locator(".receipts li")).to_have_count(2)
    expect(fact(staff, "Payable")).to_have_text("3,600.00 RSD")
    expect(fact(staff, "Payout")).to_contain_text("RS35 2600 0560 1001 6113 79 (Jelena Ilić)")
    expect(staff.get_by_text("The sum claimed is above the cap")).to_be_visible()
    screenshot(staff, "23-finance-claim")
    staff.get_by_role("button", name="Approve").click()  # the amount left empty: the payable amount
    expect(staff.get_by_text("Claim approved.")).to_be_visible()
    expect(fact(staff, "Approved")).to_have_text("3,600.00 RSD")
    screenshot(staff, "24-finance-claim-approved")

    # -- The claim PDF, fetched with finance's session as the "Claim PDF" link would open it.
    pdf_url = staff.get_by_role("link", name="Claim PDF").get_attribute("href")
    assert re.fullmatch(r"/staff/finance/claims/\d+/claim\.pdf", pdf_url)
    response = staff.request.get(live_server + pdf_url)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.body()).replace("\u00a0", " ")
    for expected in ("Receipt 1 of 2", "Receipt 2 of 2", "1,900.00 RSD", "2,100.00 RSD"):
        assert expected in text, expected
    assert re.search(r"Approved\s+3,600\.00 RSD", text)  # the totals' line, not only the cap
    assert "Approved · Milica Petrović · 3,600.00 RSD" in text  # the history says who approved what

    # The participant sees the decision behind the same link.
    page.reload()
    expect(page.locator(".status .big")).to_have_text("Approved")
    expect(fact(page, "Approved")).to_have_text("3,600.00 RSD")
    screenshot(page, "25-claim-approved")

    fresh(session)
    claim = session.scalars(select(Claim)).one()
    assert claim.status == ClaimStatus.APPROVED and claim.approved_amount == 360000
    assert claim.route == "Niš – Beograd and back" and claim.account_number == "RS35260005601001611379"
    assert [receipt.amount for receipt in claim.receipts] == [190000, 210000]
    # What is kept of a phone photo is upright and tells nobody where it was taken.
    storage = current_storage()
    for receipt in claim.receipts:
        with Image.open(io.BytesIO(storage.read(receipt.stored_name))) as stored:
            assert stored.width < stored.height
            assert not stored.getexif() and "xmp" not in stored.info


def test_an_approved_claim_whose_participant_is_moved_online_goes_back_to_finance(
    live_server, laptop, session, app, make_event, make_registration
):
    """The trip did not happen as claimed: the organiser records that the participant followed
    online; finance sees why the claim is back with them, and it is not offered for payment."""
    event = make_event(title="National Conference for Serbia", host_town="Belgrade", onsite_capacity=10)
    replace_fares(session, event, parse_fares("Niš, 3600", "RSD"), None)
    registration = make_registration(event, full_name="Marko Jović", departure_town="Niš").registration
    password = "correct horse battery"
    finance = create_user(session, "milica@example.org", [Role.FINANCE], password=password).user
    create_user(
        session, "ivana@example.org", [Role.ORGANISER], password=password, full_name="Ivana Organiser"
    )
    claim = open_claim(session, registration)
    save_details(
        session,
        claim.id,
        ClaimDetails(TravelMode.BUS, "Niš – Beograd", PayoutMethod.BANK, BANK_ACCOUNT, "Marko Jović"),
    )
    add_receipt(
        session,
        claim.id,
        current_storage(),
        process_upload(phone_photo(1200, 900), "ticket.jpg"),
        ExpenseKind.BUS_TICKET,
        event.local_starts_at.date(),
        360000,
    )
    start_event(session, event.id)
    submit_claim(session, claim.id)
    approve(session, claim.id, finance)

    def sign_in_as(email: str) -> None:
        laptop.goto(f"{live_server}/staff/login")
        laptop.get_by_label("E-mail").fill(email)
        laptop.get_by_label("Password").fill(password)
        laptop.get_by_role("button", name="Sign in").click()

    # -- The organiser records that Marko followed online.
    sign_in_as("ivana@example.org")
    laptop.goto(f"{live_server}/staff/events/{event.id}/registrations/{registration.id}")
    laptop.get_by_label("Attendance").select_option(label="Online")
    laptop.get_by_role("button", name="Change attendance").click()
    expect(laptop.get_by_text("Attendance saved.")).to_be_visible()
    laptop.get_by_role("button", name="Sign out").click()

    # -- Finance finds the claim back in review, flagged, and not among those to pay.
    sign_in_as("milica@example.org")
    laptop.goto(f"{live_server}/staff/finance/claims/{claim.id}")
    expect(fact(laptop, "Status")).to_have_text("Submitted")
    expect(laptop.get_by_text("Attendance changed to Online")).to_be_visible()
    expect(laptop.get_by_text("Participant's attendance changed: back to finance")).to_be_visible()
    screenshot(laptop, "26-finance-claim-back-after-switch")
    laptop.goto(f"{live_server}/staff/finance/batches/")
    expect(laptop.get_by_text("No approved bank-transfer claims are waiting.")).to_be_visible()
    fresh(session)
    assert session.get(Claim, claim.id).status == ClaimStatus.SUBMITTED
