"""Pages are in the language the reader chose with the switcher, else the browser's, and a
staff member's pages in the language kept on their account."""

import re

import pytest

from regsvc.auth.models import StaffUser
from regsvc.roles import Role
from regsvc.translation import LANGUAGE_NAMES
from tests.conftest import fresh, sign_in

THIS_SITE = {"Sec-Fetch-Site": "same-origin"}


def page_language(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


@pytest.mark.parametrize(
    ("accept", "language"),
    [
        ("sr", "sr-Latn"),
        ("sr-RS", "sr-Latn"),
        ("sr-Latn", "sr-Latn"),
        ("sr-Latn-RS,en;q=0.5", "sr-Latn"),
        ("sr-Cyrl", "sr-Cyrl"),
        ("sr-Cyrl-RS, sr;q=0.9", "sr-Cyrl"),
        ("mk", "mk"),
        ("mk-MK,mk;q=0.9,en;q=0.8", "mk"),
        ("sq", "sq"),
        ("sq-AL", "sq"),
        ("sq-XK", "sq"),
        ("bs-BA", "sr-Latn"),
        ("en-GB", "en"),
        ("de-DE, mk;q=0.7, en;q=0.5", "mk"),  # the first language the site has
        ("sq;q=0.4, sr-Cyrl;q=0.9", "sr-Cyrl"),  # by quality, not by order
        ("fr, de", "en"),  # none: the default
        ("", "en"),
    ],
)
def test_pages_are_in_the_browsers_language(client, accept, language):
    assert page_language(client.get("/", headers={"Accept-Language": accept})) == language


def test_every_page_shows_the_switcher_with_each_language_named_in_itself(client, make_event):
    event = make_event()
    for path in (
        "/",
        f"/e/{event.slug}/",
        f"/e/{event.slug}/register",
        "/privacy",
        "/staff/login",
        "/nowhere",
    ):
        page = client.get(path, headers={"Accept-Language": "mk"}).get_data(as_text=True)
        switcher = page[page.index('<nav class="languages"') :]
        for name in LANGUAGE_NAMES.values():
            assert name in switcher, (path, name)
        assert '<span aria-current="true">Македонски</span>' in switcher, path  # the one in use
        assert f'href="/language/sr_Cyrl?next={path}"' in switcher, path


def test_the_switcher_keeps_the_choice_over_the_browsers_language(client, make_event):
    event = make_event()
    chosen = client.get(f"/language/sr_Cyrl?next=/e/{event.slug}/", headers=THIS_SITE)
    assert chosen.status_code == 303 and chosen.location == f"/e/{event.slug}/"
    assert client.get_cookie("language").value == "sr_Cyrl"
    assert page_language(client.get(f"/e/{event.slug}/", headers={"Accept-Language": "en"})) == "sr-Cyrl"
    client.get("/language/sq?next=/", headers={"Referer": "http://localhost/e/x/"})  # an older browser
    assert page_language(client.get("/", headers={"Accept-Language": "mk"})) == "sq"


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Referer": "https://elsewhere.example/"},
        {"Sec-Fetch-Site": "same-site"},
        {"Referer": "https://elsewhere.example/page"},
        {},  # nothing says where the click was
    ],
)
def test_a_link_from_another_site_changes_nothing(client, headers):
    response = client.get("/language/mk?next=/privacy", headers=headers)
    assert response.status_code == 303 and response.location == "/privacy"
    assert client.get_cookie("language") is None
    assert page_language(client.get("/")) == "en"


@pytest.mark.parametrize(
    "target", ["//elsewhere.example/", "https://elsewhere.example/", "/\\elsewhere.example", "privacy", ""]
)
def test_the_switcher_goes_back_only_to_a_page_of_this_site(client, target):
    response = client.get("/language/mk", query_string={"next": target}, headers=THIS_SITE)
    assert response.location == "/"


def test_a_language_the_site_does_not_offer_is_not_found(client):
    assert client.get("/language/de?next=/", headers=THIS_SITE).status_code == 404


def test_a_staff_member_who_uses_the_switcher_keeps_the_choice_on_their_account(
    app, client, session, make_user
):
    user = make_user(Role.ORGANISER)
    sign_in(client, user)
    client.get("/language/mk?next=/staff/", headers=THIS_SITE)
    fresh(session)
    assert session.get(StaffUser, user.id).locale == "mk"

    # On another device, whatever the browser asks for: the account's language.
    elsewhere = app.test_client()
    sign_in(elsewhere, user)
    assert page_language(elsewhere.get("/staff/", headers={"Accept-Language": "sq"})) == "mk"


def test_the_account_page_sets_the_language_of_staff_pages(client, session, make_user):
    user = make_user(Role.DESK)
    sign_in(client, user)
    page = client.get("/staff/account").get_data(as_text=True)
    assert '<option selected value="">' in page  # following the browser until chosen
    saved = client.post("/staff/account/language", data={"locale": "sr_Latn"})
    assert saved.status_code == 302 and client.get_cookie("language").value == "sr_Latn"
    fresh(session)
    assert session.get(StaffUser, user.id).locale == "sr_Latn"
    assert page_language(client.get("/staff/account", headers={"Accept-Language": "en"})) == "sr-Latn"

    client.post("/staff/account/language", data={"locale": ""})  # back to the browser's
    fresh(session)
    assert session.get(StaffUser, user.id).locale is None
    assert client.get_cookie("language") is None
    assert page_language(client.get("/staff/account", headers={"Accept-Language": "sq"})) == "sq"

    refused = client.post("/staff/account/language", data={"locale": "de"})
    assert refused.status_code == 422
    assert "Choose one of the languages in the list." in refused.get_data(as_text=True)


def test_with_one_language_offered_there_is_no_switcher(app, client):
    app.config["LANGUAGES"] = ["en"]
    assert 'class="languages"' not in client.get("/").get_data(as_text=True)
