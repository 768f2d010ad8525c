"""The desk on a tablet in portrait: sign in, search as you type, check in, scan, walk-in."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

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
