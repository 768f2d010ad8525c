"""An organiser's sign-in expires while they edit an event: what they typed is not lost.
Signing in again (with the two-step code, when they use it) offers to send the change again,
or leads back to the edit page."""

import time

import pyotp
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from regsvc.auth import access, two_step
from regsvc.events.models import Event
from regsvc.roles import Role
from tests.conftest import fresh
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


class _Clock:
    """The sign-in's clock (regsvc.auth.access), `hours` ahead of the real one."""

    def __init__(self, hours: int):
        self.offset = hours * 3600

    def time(self) -> float:
        return time.time() + self.offset


def thirteen_hours_pass(monkeypatch) -> None:
    """Longer than STAFF_SESSION_MAX_HOURS (12): the session of the sign-in before has ended."""
    monkeypatch.setattr(access, "time", _Clock(13))


def sign_in(page, email="ana@example.org"):
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_the_change_is_sent_again_after_signing_in(
    live_server, phone, session, make_event, make_user, monkeypatch
):
    event = make_event(title="Forum on Civic Space")
    make_user(Role.ORGANISER, email="ana@example.org")
    page = phone
    page.goto(f"{live_server}/staff/events/{event.id}/edit")
    sign_in(page)  # the page asked for is where signing in leads
    expect(page.get_by_role("heading", name="Edit event")).to_be_visible()
    page.get_by_label("Title", exact=True).fill("Regional Forum on Civic Space")
    page.get_by_label("Venue", exact=True).fill("Hotel Slavija")

    thirteen_hours_pass(monkeypatch)
    page.get_by_role("button", name="Save event").click()
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    expect(
        page.get_by_text("Your sign-in had expired, so what you just sent was not saved yet.")
    ).to_be_visible()
    screenshot(page, "40-console-sign-in-expired")
    fresh(session)
    assert session.get(Event, event.id).title == "Forum on Civic Space"

    sign_in(page)
    expect(page.get_by_role("heading", name="Send your change again?")).to_be_visible()
    screenshot(page, "41-console-send-again")
    page.get_by_role("button", name="Send it again").click()
    expect(page.get_by_text("Event saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="Regional Forum on Civic Space")).to_be_visible()
    fresh(session)
    saved = session.scalars(select(Event).where(Event.id == event.id)).one()
    assert (saved.title, saved.venue_name) == ("Regional Forum on Civic Space", "Hotel Slavija")


def test_with_a_two_step_code_they_are_back_on_the_edit_page(
    live_server, phone, session, make_event, make_user, monkeypatch
):
    event = make_event(title="Forum on Civic Space")
    ana = make_user(Role.ORGANISER, email="ana@example.org")
    totp = pyotp.TOTP(two_step.start_enrolment(session, ana.id).totp_secret)
    # Each code is taken once, and only a later one after it: three steps in a row.
    two_step.confirm_enrolment(session, ana.id, totp.at(time.time() - 30))
    page = phone
    page.goto(f"{live_server}/staff/events/{event.id}/edit")
    sign_in(page)
    page.get_by_label("6-digit code").fill(totp.now())
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Title", exact=True).fill("Regional Forum on Civic Space")

    thirteen_hours_pass(monkeypatch)
    page.get_by_role("button", name="Save event").click()
    sign_in(page)
    expect(page.get_by_role("heading", name="Two-step sign-in")).to_be_visible()
    page.get_by_label("6-digit code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Go back to the page without sending it").click()
    expect(page.get_by_role("heading", name="Edit event")).to_be_visible()
    expect(page.get_by_label("Title", exact=True)).to_have_value("Forum on Civic Space")  # nothing was sent
    screenshot(page, "42-console-back-on-the-edit-page")
