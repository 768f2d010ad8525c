"""The desk on a tablet in portrait and on a phone: sign in, search as you type, check in, scan,
walk-in, a seat over the cap, and the people expected but not yet here."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from regsvc.db import utcnow
from regsvc.mail.models import OutboxMessage
from regsvc.registration.models import Registration
from regsvc.roles import Role
from tests.conftest import fresh
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.browser
TABLET = {"width": 800, "height": 1280}


@pytest.fixture
def tablet(browser):
    context = browser.new_context(viewport=TABLET, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_desk_searches_checks_in_scans_and_registers_a_walk_in(
    live_server, tablet, session, make_event, make_registration, make_user
):
    event = make_event(title="National Conference for Serbia", onsite_capacity=3)
    make_registration(event, full_name="Đorđe Stanković", organisation="CRTA")
    scanned = make_registration(event, full_name="Vesna Trajkovska", organisation="CRPM").registration
    make_registration(event, full_name="Ana Online", wanted="online")
    make_user(Role.DESK, email="desk@example.org")
    page = tablet

    page.goto(f"{live_server}/staff/desk/")
    page.get_by_label("E-mail").fill("desk@example.org")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="National Conference for Serbia").click()

    # Results as you type, without pressing Enter; accents need not be typed.
    page.get_by_label("Search a name, organisation or e-mail, or scan a QR code").press_sequentially("dorde")
    result = page.locator(".result", has_text="Đorđe Stanković")
    result.wait_for()
    screenshot(page, "10-desk-search")
    result.get_by_role("button", name="Check in").click()
    expect(page.get_by_text("✓ Đorđe Stanković is checked in.")).to_be_visible()
    expect(page.locator("[data-count=checked_in]")).to_have_text("1")

    # A keyboard-wedge scanner types the code into the focused field and presses Enter.
    field = page.get_by_label("Search a name, organisation or e-mail, or scan a QR code")
    assert field.evaluate("el => el === document.activeElement")
    page.keyboard.type(scanned.checkin_code)
    page.keyboard.press("Enter")
    expect(page.get_by_text("✓ Vesna Trajkovska is checked in.")).to_be_visible()
    screenshot(page, "11-desk-scanned")

    page.get_by_role("link", name="Register a walk-in").click()
    page.get_by_label("Full name").fill("Ivo Andrić")
    page.get_by_label("Organisation").fill("Zadužbina")
    page.get_by_label("The participant agrees").check()
    screenshot(page, "12-walk-in")
    page.get_by_role("button", name="Register and check in").click()
    expect(page.get_by_text("✓ Ivo Andrić is registered and checked in.")).to_be_visible()
    expect(page.locator("[data-count=seats_left]")).to_have_text("0")
    screenshot(page, "13-desk-after-walk-in")

    fresh(session)
    checked_in = session.scalars(
        select(Registration.full_name).where(Registration.checked_in_at.is_not(None))
    )
    assert sorted(checked_in) == ["Ivo Andrić", "Vesna Trajkovska", "Đorđe Stanković"]


def test_on_a_phone_the_desk_seats_over_the_cap_only_when_it_chooses_and_works_through_the_expected(
    live_server, phone, session, make_event, make_registration, make_user
):
    event = make_event(title="Regional Forum in Niš", onsite_capacity=2)
    first = make_registration(event, full_name="Milica Jovanović", organisation="CRTA").registration
    make_registration(event, full_name="Bojan Aleksić", organisation="YUCOM")
    late = make_registration(
        event, full_name="Late Arrival", organisation="BCSP", wanted="online"
    ).registration
    # Registered while it was open; it is the day of the event now.
    now = utcnow()
    event.starts_at, event.ends_at = now - timedelta(hours=1), now + timedelta(hours=5)
    session.commit()
    make_event(title="Assembly next month")
    make_event(
        title="Forum of last spring", starts_at=now - timedelta(days=200), ends_at=now - timedelta(days=199)
    )
    make_user(Role.DESK, email="desk@example.org")
    page = phone

    page.goto(f"{live_server}/staff/desk/")
    page.get_by_label("E-mail").fill("desk@example.org")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    # Today's event first, then what is coming, then the past.
    tiles = page.locator(".tile strong").all_text_contents()
    assert tiles == ["Regional Forum in Niš", "Assembly next month", "Forum of last spring"]
    screenshot(page, "14-desk-choose-phone")
    page.get_by_role("link", name="Regional Forum in Niš").click()

    # The event is full: the desk sees it before choosing, and leaving them online is the default.
    page.get_by_label("Search a name, organisation or e-mail, or scan a QR code").press_sequentially("late")
    result = page.locator(".result", has_text="Late Arrival")
    result.wait_for()
    expect(result.get_by_role("button", name="Give seat and check in")).to_have_count(0)
    result.get_by_text("On-site is full: seat over the cap…").click()
    result.get_by_label("Reason to seat over the cap").fill("Panel speaker")
    screenshot(page, "15-desk-full-phone")
    result.get_by_role("button", name="Seat over the cap and check in").click()
    expect(page.get_by_text("✓ Late Arrival has an on-site seat and is checked in.")).to_be_visible()
    expect(page.locator("[data-count=onsite]")).to_have_text("3")
    expect(page.locator("[data-count=expected]")).to_have_text("2")

    # The people expected and not yet here, by surname; checked in from the list.
    page.get_by_role("link", name="expected, not yet here").click()
    expect(page.get_by_role("heading", name="2 people expected, not yet here")).to_be_visible()
    names = page.locator(".result strong").all_text_contents()
    assert names == ["Bojan Aleksić", "Milica Jovanović"]
    screenshot(page, "16-desk-expected-phone")
    page.locator(".result", has_text="Bojan Aleksić").get_by_role("button", name="Check in").click()
    expect(page.get_by_text("✓ Bojan Aleksić is checked in.")).to_be_visible()
    expect(page.get_by_role("heading", name="1 person expected, not yet here")).to_be_visible()

    # A code typed as the participant's page shows it, twice: the second time says when and by whom.
    code = " ".join(first.checkin_code[i : i + 4] for i in range(0, 16, 4))
    for _ in range(2):
        field = page.get_by_label("Narrow the list by name, organisation or e-mail, or scan a QR code")
        field.fill(code)
        field.press("Enter")
    expect(page.get_by_text("Milica Jovanović was already checked in at")).to_contain_text(
        "by desk@example.org"
    )
    expect(page.get_by_text("Everyone with an on-site seat is checked in.")).to_be_visible()
    screenshot(page, "17-desk-already-in-phone")

    fresh(session)
    mailed = session.scalars(
        select(OutboxMessage.recipient).where(OutboxMessage.kind == "attendance_changed")
    )
    assert mailed.all() == [late.email]  # the one person seated, nobody moved to the waiting list
