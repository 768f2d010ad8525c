"""On a phone: the organiser gives the event's texts in another language, and a reader of that
language finds them on the event's page."""

import pytest
from playwright.sync_api import expect

from regsvc.events.fares import read_fare_table, replace_fares
from regsvc.roles import Role
from tests.e2e.conftest import PHONE, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def app_settings(app_settings):
    return dict(app_settings, LANGUAGES=["en", "sr_Latn", "sr_Cyrl", "mk", "sq"])


def test_the_organiser_writes_the_event_in_serbian_and_macedonian(
    live_server, phone, browser, session, make_event, make_user
):
    event = make_event(
        slug="konferencija",
        title="Druga nacionalna konferencija za Srbiju",
        description="Fokus panel diskusije je uloga organizacija civilnog društva.",
        host_town="Beograd",
        main_language="sr_Latn",
        translations={"en": {"title": "Second National Conference for Serbia"}},
    )
    replace_fares(
        session, event, read_fare_table("Beograd, 0\nNiš, 3600", {"mk": "Beograd = Белград"}, "RSD"), None
    )
    make_user(Role.ORGANISER, email="organiser@example.org")
    page = phone

    page.goto(f"{live_server}/staff/events/{event.id}/edit")
    page.get_by_label("E-mail").fill("organiser@example.org")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_label("Main language")).to_have_value("sr_Latn")
    english = page.locator("details", has_text="The texts in English")
    expect(english).to_have_attribute("open", "")  # it holds a text already
    page.get_by_text("The texts in Macedonian (optional)").click()
    page.get_by_label("Title in Macedonian").fill("Втора национална конференција за Србија")
    page.get_by_label("Description in Macedonian").fill("Фокусот е улогата на граѓанските организации.")
    page.get_by_label("Host town in Macedonian").fill("Белград")
    screenshot(page, "60-event-texts-in-macedonian")
    page.get_by_role("button", name="Save event").click()
    expect(page.get_by_text("Event saved.")).to_be_visible()

    page.goto(f"{live_server}/staff/events/{event.id}/fares")
    names = page.locator("details", has_text="The towns' names in other languages")
    expect(names).to_have_attribute("open", "")  # Belgrade has its Macedonian name
    expect(page.get_by_label("Town names in Macedonian")).to_have_value("Beograd = Белград\nNiš =\n")
    screenshot(page, "61-fare-table-town-names")

    reader = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, locale="mk")
    macedonian = reader.new_page()
    macedonian.goto(f"{live_server}/e/konferencija/")
    expect(macedonian.get_by_role("heading", level=1)).to_have_text("Втора национална конференција за Србија")
    expect(macedonian.get_by_text("Фокусот е улогата на граѓанските организации.")).to_be_visible()
    expect(macedonian.get_by_text("Белград", exact=False).first).to_be_visible()
    screenshot(macedonian, "62-event-page-in-macedonian")
    macedonian.locator("a.button[href$='/register']").click()
    expect(macedonian.locator("#departure_town-options option[value='Белград']")).to_have_count(1)
    screenshot(macedonian, "63-registration-form-in-macedonian")
    reader.close()
