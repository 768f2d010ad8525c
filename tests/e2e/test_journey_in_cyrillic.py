"""The participant's journey once in Serbian Cyrillic, end to end in a real browser, and the
participant's main pages at phone width in every language (Albanian and Macedonian run
longer): nothing may be wider than the screen. The words are read from the catalogues, so
the test follows the translations."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from regsvc.mail.services import send_pending
from regsvc.registration.models import Registration
from regsvc.translation import LANGUAGE_NAMES
from tests.conftest import body_of, fresh
from tests.e2e.conftest import PHONE, screenshot
from tests.i18n.catalogue import translation

pytestmark = pytest.mark.browser

CYRILLIC = "sr_Cyrl"


def cyr(msgid: str) -> str:
    return translation(CYRILLIC, msgid)


@pytest.fixture
def app_settings(app_settings):
    return dict(app_settings, LANGUAGES=list(LANGUAGE_NAMES))


def test_a_participant_registers_and_switches_online_in_serbian_cyrillic(
    live_server, phone, smtp_server, session, make_event
):
    event = make_event(title="Национална конференција", onsite_capacity=2)
    page = phone
    page.goto(f"{live_server}/e/{event.slug}/")
    page.get_by_role("link", name=LANGUAGE_NAMES[CYRILLIC]).click()  # the switcher: Српски
    page.get_by_role("link", name=cyr("Register"), exact=True).click()

    page.get_by_label(cyr("Full name")).fill("Драгана Шаковић")
    page.get_by_label(cyr("E-mail"), exact=True).fill("dragana@example.org")
    page.get_by_label(cyr("Organisation"), exact=True).fill("Центар за цивилно друштво")
    page.get_by_label(cyr("Position"), exact=True).fill("Координаторка")
    page.get_by_label(cyr("Town of departure")).fill("Ниш")
    page.get_by_label(cyr("On-site seat")).check()
    page.get_by_label(cyr("I agree that my personal data is processed to organise this event.")).check()
    screenshot(page, "70-form-in-cyrillic")
    page.get_by_role("button", name=cyr("Register")).click()
    expect(page.get_by_text(cyr("An on-site seat is held for you."))).to_be_visible()

    # The e-mail is in the language the participant registered in.
    assert send_pending(session) == (1, 0)
    [mail] = smtp_server.wait_for(1)
    assert mail["Subject"] == cyr("Your registration: %(event)s") % {"event": event.title}
    link = re.search(r"http://127\.0\.0\.1:\d+/r/[^/\s]+/", body_of(mail)).group(0)

    # Opened later in a browser asking for Serbian Cyrillic, with no cookie of this site.
    later = page.context.browser.new_context(viewport=PHONE, locale="sr-Cyrl-RS")
    private = later.new_page()
    private.goto(link)
    expect(
        private.get_by_text(cyr("Thank you: your e-mail address is confirmed and the on-site seat is yours."))
    ).to_be_visible()
    private.get_by_role("button", name=cyr("Switch to online (frees your seat)")).click()
    expect(private.get_by_text(cyr("You are now registered to follow online."))).to_be_visible()
    screenshot(private, "71-private-page-in-cyrillic")
    later.close()

    fresh(session)
    [registration] = session.scalars(select(Registration)).all()
    assert (registration.locale, registration.attendance) == (CYRILLIC, "online")


@pytest.mark.parametrize("locale", list(LANGUAGE_NAMES))
def test_the_participants_pages_fit_a_phone_in_every_language(
    live_server, browser, locale, make_event, make_registration
):
    event = make_event(onsite_capacity=5, travel_reimbursed=True)
    token = make_registration(event, departure_town="Niš").token
    context = browser.new_context(viewport=PHONE, locale=locale.replace("_", "-"))
    page = context.new_page()
    try:
        for name, path in (
            ("form", f"/e/{event.slug}/register"),
            ("private-page", f"/r/{token}/"),
            ("claim", f"/r/{token}/claim"),
        ):
            page.goto(live_server + path)
            assert page.locator("html").get_attribute("lang") == locale.replace("_", "-"), path
            screenshot(page, f"72-{name}-{locale}")
            wider = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert wider <= 0, f"{path} in {locale} is {wider}px wider than the screen"
    finally:
        context.close()
