"""Two-step sign-in on a phone: an organiser must set it up at first sign-in, then signs in
with a code; a desk member sets it up from their account page."""

import time

import pyotp
import pytest
from playwright.sync_api import expect

from regsvc.roles import Role
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


def sign_in(page, live_server, email):
    page.goto(f"{live_server}/staff/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def next_code(totp: pyotp.TOTP) -> str:
    """The code of the next 30-second step: still accepted, and never used before."""
    return totp.at(time.time() + 30)


def test_an_organiser_sets_up_two_step_sign_in_then_signs_in_with_a_code(app, live_server, phone, make_user):
    app.config["REQUIRE_2FA"] = True
    make_user(Role.ORGANISER, email="ana@example.org")
    page = phone

    sign_in(page, live_server, "ana@example.org")
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    expect(page.get_by_text("Your roles need two-step sign-in.")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    screenshot(page, "30-two-step-set-up")
    # Nothing else opens before it is set up.
    page.goto(f"{live_server}/staff/users")
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    page.go_back()

    # The phone's app would scan the QR code; the test types the key, as one can.
    totp = pyotp.TOTP(page.locator("#two-step-key").inner_text().replace(" ", ""))
    used = totp.now()
    page.get_by_label("6-digit code").fill(used)
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_text("Two-step sign-in is on.")).to_be_visible()
    expect(page.get_by_role("heading", name="Hello, ana")).to_be_visible()

    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_text("Your roles need it, so it stays on.")).to_be_visible()
    screenshot(page, "31-account")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()

    sign_in(page, live_server, "ana@example.org")
    expect(page.get_by_role("heading", name="Two-step sign-in")).to_be_visible()
    page.get_by_label("6-digit code").fill(used)  # a code is accepted once
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("This code is not right, or was used already.")).to_be_visible()
    screenshot(page, "32-two-step-code")
    page.get_by_label("6-digit code").fill(next_code(totp))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, ana")).to_be_visible()


def test_a_desk_member_sets_it_up_from_their_account_page(live_server, phone, make_user):
    make_user(Role.DESK, email="desk@example.org")
    page = phone
    sign_in(page, live_server, "desk@example.org")
    page.get_by_role("link", name="Your account").click()
    page.get_by_role("link", name="Set up two-step sign-in").click()
    expect(page.get_by_text("Your roles need two-step sign-in.")).to_have_count(0)
    totp = pyotp.TOTP(page.locator("#two-step-key").inner_text().replace(" ", ""))
    page.get_by_label("6-digit code").fill(totp.now())
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_text("Two-step sign-in is on.")).to_be_visible()
    expect(page.get_by_role("button", name="Turn off two-step sign-in")).to_be_visible()
    screenshot(page, "33-account-two-step-on")
