"""The main public, participant and staff pages, fetched in each language, show that
language: every piece of a page's text that is a message of the catalogues (in English)
is shown as the catalogue translates it."""

import pytest

from regsvc.registration.models import Attendance
from regsvc.roles import Role
from tests.conftest import sign_in
from tests.i18n.catalogue import TRANSLATED_LOCALES, page_texts, translatable, translation


@pytest.fixture
def places(make_event, make_registration):
    """The pages, by who sees them."""
    event = make_event(title="Druga nacionalna konferencija")
    token = make_registration(event).token
    online = make_registration(event, wanted=Attendance.ONLINE).token
    return {
        "public": ["/", f"/e/{event.slug}/", f"/e/{event.slug}/register", "/privacy"],
        "participant": [f"/r/{token}/", f"/r/{token}/claim", f"/r/{online}/"],
        "staff": [
            "/staff/",
            "/staff/account",
            "/staff/events/",
            f"/staff/events/{event.id}/",
            f"/staff/events/{event.id}/registrations",
            "/staff/desk/",
            "/staff/finance/",
        ],
    }


def messages_shown(html: str) -> list[str]:
    """The pieces of text of an English page that are messages of the catalogues."""
    return sorted(text for text in page_texts(html) if translatable(text) and any(c.isalpha() for c in text))


def check_page(client, path: str, locale: str) -> None:
    client.set_cookie("language", "en")
    client.get(path)  # once before: what a page says only on the first visit is said
    english = client.get(path)
    assert english.status_code == 200, path
    shown = messages_shown(english.get_data(as_text=True))
    assert len(shown) >= 3, f"{path}: too few messages to tell the language: {shown}"
    client.set_cookie("language", locale)
    translated = page_texts(client.get(path).get_data(as_text=True))
    missing = [
        f"{message!r} → {translation(locale, message)!r}"
        for message in shown
        if translation(locale, message) not in translated
    ]
    assert not missing, f"{path} in {locale} lacks: " + "; ".join(missing[:10])


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
@pytest.mark.parametrize("who", ["public", "participant", "staff"])
def test_the_main_pages_are_in_the_readers_language(client, make_user, places, who, locale):
    if who == "staff":
        sign_in(client, make_user(Role.ORGANISER, Role.DESK, Role.FINANCE))
    for path in places[who]:
        check_page(client, path, locale)


def test_a_page_names_its_language_for_browsers_and_screen_readers(client):
    client.set_cookie("language", "sr_Cyrl")
    assert '<html lang="sr-Cyrl">' in client.get("/").get_data(as_text=True)
