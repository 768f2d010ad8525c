"""The participant's whole journey in a real browser on a phone-sized screen."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from regsvc.mail.services import send_pending
from regsvc.registration.models import Registration
from tests.conftest import body_of, fresh
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.browser


def test_register_onsite_then_switch_to_online_through_the_private_link(
    live_server, phone, smtp_server, session, make_event
):
    make_event(title="Second National Conference for Serbia", onsite_capacity=2)
    page = phone

    page.goto(live_server + "/")
    page.get_by_role("link", name="Second National Conference for Serbia").click()
    expect(page.get_by_text("2 on-site seats left")).to_be_visible()
    screenshot(page, "01-event")
    page.get_by_role("link", name="Register").click()

    page.get_by_label("Full name").fill("Dragana Šaković")
    page.get_by_label("E-mail").fill("dragana@example.org")
    page.get_by_label("Phone (optional)").fill("+381 63 555 0101")
    page.get_by_label("Organisation").fill("Centar za promociju civilnog društva")
    page.get_by_label("Position").fill("Project coordinator")
    page.get_by_label("Town of departure").fill("Novi Sad")
    page.get_by_label("On-site seat").check()
    # The "if full" choice is offered for on-site only.
    expect(page.get_by_text("Put me on the waiting list")).to_be_visible()
    page.get_by_label("I agree that my personal data is processed").check()
    screenshot(page, "02-form")
    page.get_by_role("button", name="Register").click()

    # The page says what the request got and carries no private link: that goes by e-mail.
    expect(page.get_by_text("An on-site seat is held for you.")).to_be_visible()
    assert "/r/" not in page.url and "/r/" not in page.content()
    screenshot(page, "03-check-your-email")

    assert send_pending(session) == (1, 0)  # the outbox sender's round
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "dragana@example.org"
    link = re.search(r"http://127\.0\.0\.1:\d+/r/[^/\s]+/", body_of(mail)).group(0)

    # From the e-mail, in a fresh browser with no cookies: opening the link confirms the seat.
    later = page.context.browser.new_context(viewport={"width": 390, "height": 844})
    private = later.new_page()
    private.goto(link)
    expect(private.get_by_text("the on-site seat is yours")).to_be_visible()
    expect(private.get_by_text("Dragana Šaković")).to_be_visible()
    screenshot(private, "03b-seat-confirmed")
    private.get_by_role("button", name="Switch to online").click()
    expect(private.get_by_text("You are now registered to follow online.")).to_be_visible()
    expect(private.get_by_text("stream.example.org")).to_be_visible()
    screenshot(private, "04-switched-online")
    later.close()

    fresh(session)
    [registration] = session.scalars(select(Registration)).all()
    assert registration.attendance == "online"
    assert registration.full_name == "Dragana Šaković"


def test_the_form_shows_errors_next_to_fields_and_keeps_input(live_server, phone, session, make_event):
    event = make_event()
    phone.goto(f"{live_server}/e/{event.slug}/register")
    phone.get_by_label("Full name").fill("Марија Јовановска")
    phone.get_by_label("E-mail").fill("marija@")
    phone.get_by_role("button", name="Register").click()

    expect(phone.get_by_text("Please correct the fields marked below.")).to_be_visible()
    expect(phone.get_by_text("This does not look like an e-mail address")).to_be_visible()
    assert phone.get_by_label("Full name").input_value() == "Марија Јовановска"
    screenshot(phone, "05-form-errors")
    fresh(session)
    assert session.scalars(select(Registration)).all() == []
