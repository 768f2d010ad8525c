"""After signing in again, a staff member is back where they were: on the page they opened,
or, for a form sent after their session had ended, offered to send it again as they typed it.
Only pages of this site are returned to (no open redirect), and a form is carried only when
the browser says this site sent it, never with a password or a code."""

from __future__ import annotations

import html
import re
import time

import pytest
from werkzeug.datastructures import MultiDict

from regsvc.auth.access import SINCE_KEY
from regsvc.events.models import Event
from regsvc.roles import Role
from tests.auth.test_two_step import enrol, later_code, wrong_code
from tests.conftest import fresh
from tests.registration.test_pages import text_of

PASSWORD = "correct horse battery"
THIS_SITE = {"Origin": "http://localhost"}
NOT_SAVED_YET = "Your sign-in had expired, so what you just sent was not saved yet."
NOT_SAVED = "Your sign-in had expired, so what you just sent was not saved."


def signed_in(app, user):
    """A browser signed in through the sign-in form."""
    browser = app.test_client()
    response = browser.post("/staff/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def thirteen_hours_later(browser) -> None:
    """The browser's session is older than STAFF_SESSION_MAX_HOURS (12)."""
    with browser.session_transaction() as stored:
        stored[SINCE_KEY] = int(time.time()) - 13 * 3600


def hidden_fields(response) -> list[tuple[str, str]]:
    """The hidden fields of the page's last form, its CSRF token too, as a browser sends them."""
    form = response.get_data(as_text=True).rsplit('<form method="post"', 1)[-1]
    return [
        (html.unescape(name), html.unescape(value))
        for name, value in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', form)
    ]


def carried(response) -> list[tuple[str, str]]:
    """What the page carries of a form sent before."""
    return [(name, value) for name, value in hidden_fields(response) if name != "csrf_token"]


def form_action(response) -> str:
    return html.unescape(
        re.findall(r'<form method="post" action="([^"]*)"', response.get_data(as_text=True))[-1]
    )


def sign_in_on(browser, page, user, **extra):
    """Fill in the sign-in page shown in `page` and send it, as the browser would."""
    data = [("email", user.email), ("password", PASSWORD), *hidden_fields(page), *extra.items()]
    return browser.post(form_action(page), data=MultiDict(data), headers=THIS_SITE)


def event_form(event: Event, **fields) -> dict:
    data = {
        "title": event.title,
        "slug": event.slug,
        "description": event.description,
        "timezone": "Europe/Belgrade",
        "starts_at": "2031-06-30T11:30",
        "ends_at": "2031-06-30T17:00",
        "venue_name": event.venue_name,
        "venue_address": event.venue_address,
        "host_town": event.host_town,
        "registration_opens_at": "2031-05-01T09:00",
        "registration_closes_at": "2031-06-28T23:59",
        "currency": "RSD",
        "stream_details": "Stream: https://stream.example.org/live\nPasscode 4411",
        "contact_email": "forum@example.org",
        "is_published": "y",
    }
    data.update(fields)
    return data


# --- a page opened ------------------------------------------------------------------------


def test_a_page_opened_after_the_session_ended_is_where_signing_in_leads(app, organiser, make_event):
    event = make_event()
    browser = signed_in(app, organiser)
    thirteen_hours_later(browser)
    page = f"/staff/events/{event.id}/registrations?q=ana&attendance=online"
    response = browser.get(page)
    assert response.status_code == 302
    sign_in_page = browser.get(response.headers["Location"])
    assert "Sign in, and you go on to the page you asked for." in text_of(sign_in_page)
    response = sign_in_on(browser, sign_in_page, organiser)
    assert response.headers["Location"] == page  # its filters too
    assert browser.get(page).status_code == 200


def test_with_two_step_sign_in_the_code_leads_back_too(app, session, organiser, make_event):
    totp = enrol(session, organiser)
    event = make_event()
    browser = app.test_client()
    page = f"/staff/events/{event.id}/"
    sign_in_page = browser.get(browser.get(page).headers["Location"])
    response = sign_in_on(browser, sign_in_page, organiser)
    assert response.headers["Location"] == "/staff/login/code"
    response = browser.post("/staff/login/code", data={"code": later_code(totp)})
    assert response.headers["Location"] == page


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/staff/",
        "/\\evil.example/staff/",
        "\\\\evil.example/staff/",
        "https:/staff/",
        "javascript:alert(1)",
        "http://localhost/staff/events/",  # even this site's, written out: paths only
        " /staff/events/",
        "/staff/events/\r\nSet-Cookie: stolen=1",
        "/staff/login?next=https://evil.example/",
        "/staff/logout",  # takes forms only
        "/staff/no-such-page",
        "/e/some-event/",  # not a staff page
    ],
)
def test_signing_in_never_leads_to_another_site(client, organiser, target):
    response = client.post(
        "/staff/login", query_string={"next": target}, data={"email": organiser.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"


# --- a form sent --------------------------------------------------------------------------


# With CSRF checked, as in a browser: tests/e2e/test_console_session.py. (An idle session's
# cookie takes its CSRF token with it: CSRFProtect refuses that form before the sign-in
# check, unless create_app sets up staff sign-in first.)
@pytest.mark.parametrize("ended", ["thirteen hours later", "idle: the browser dropped the cookie"])
def test_a_form_sent_after_the_session_ended_is_kept_and_sent_again_after_signing_in(
    app, session, organiser, make_event, ended
):
    event = make_event(title="Forum")
    browser = signed_in(app, organiser)
    if ended == "thirteen hours later":
        thirteen_hours_later(browser)
    else:
        browser = app.test_client()
    edit = f"/staff/events/{event.id}/edit"
    response = browser.post(
        edit,
        data=event_form(event, title="Regional Forum on Civic Space"),
        headers={**THIS_SITE, "Referer": f"http://localhost{edit}"},
    )
    assert response.status_code == 401
    assert NOT_SAVED_YET in text_of(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert ("sent.title", "Regional Forum on Civic Space") in carried(response)
    fresh(session)
    assert session.get(Event, event.id).title == "Forum"

    offer = sign_in_on(browser, response, organiser)
    assert offer.status_code == 200
    assert "Send your change again?" in text_of(offer)
    assert offer.headers["Cache-Control"] == "no-store"
    assert form_action(offer) == edit
    sent_again = carried(offer)
    assert ("title", "Regional Forum on Civic Space") in sent_again
    assert ("stream_details", "Stream: https://stream.example.org/live\nPasscode 4411") in sent_again
    assert f'href="{edit}">Go back to the page without sending it' in offer.get_data(as_text=True)

    response = browser.post(edit, data=MultiDict(hidden_fields(offer)), headers=THIS_SITE)
    assert response.status_code == 302
    fresh(session)
    assert session.get(Event, event.id).title == "Regional Forum on Civic Space"
    assert "Event saved." in text_of(browser.get(response.headers["Location"]))


def test_the_form_is_carried_through_the_two_step_code(app, session, organiser, make_event):
    totp = enrol(session, organiser)
    event = make_event(title="Forum")
    browser = app.test_client()
    response = browser.post(f"/staff/events/{event.id}/capacity", data={"capacity": "40"}, headers=THIS_SITE)
    code_page = sign_in_on(browser, response, organiser)
    assert "Two-step sign-in" in text_of(code_page)
    assert ("sent.capacity", "40") in carried(code_page)
    again = browser.post(
        form_action(code_page),
        data=MultiDict([("code", wrong_code(totp)), *hidden_fields(code_page)]),
        headers=THIS_SITE,
    )
    assert again.status_code == 401 and ("sent.capacity", "40") in carried(again)
    offer = browser.post(
        form_action(again),
        data=MultiDict([("code", later_code(totp)), *hidden_fields(again)]),
        headers=THIS_SITE,
    )
    assert "Send your change again?" in text_of(offer)
    assert browser.post(form_action(offer), data=MultiDict(hidden_fields(offer))).status_code == 302
    fresh(session)
    assert session.get(Event, event.id).onsite_capacity == 40


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "http://localhost", "Sec-Fetch-Site": "cross-site"},
        {},  # a browser that does not say where the form comes from
    ],
)
def test_a_form_another_site_may_have_sent_is_never_carried(app, session, organiser, make_event, headers):
    event = make_event(title="Forum")
    browser = app.test_client()
    edit = f"/staff/events/{event.id}/edit"
    response = browser.post(edit, data=event_form(event, title="Taken over"), headers=headers)
    assert response.status_code == 401
    assert carried(response) == []
    assert NOT_SAVED in text_of(response)
    signed = sign_in_on(browser, response, organiser)
    assert signed.status_code == 302  # no offer to send it
    fresh(session)
    assert session.get(Event, event.id).title == "Forum"


def test_passwords_and_codes_are_never_carried(app, organiser):
    browser = app.test_client()
    response = browser.post(
        "/staff/account/password",
        data={"current": PASSWORD, "password": "a new long password", "repeat": "a new long password"},
        headers=THIS_SITE,
    )
    assert response.status_code == 401
    assert "a new long password" not in response.get_data(as_text=True)
    assert carried(response) == []


def test_a_form_not_carried_leads_back_to_the_page_that_sent_it(app, organiser, make_event):
    event = make_event()
    browser = app.test_client()
    dashboard = f"/staff/events/{event.id}/?tab=lists"
    response = browser.post(
        f"/staff/events/{event.id}/capacity",
        data={"capacity": "40"},
        headers={"Referer": f"http://localhost{dashboard}"},
    )
    signed = sign_in_on(browser, response, organiser)
    assert signed.headers["Location"] == dashboard
    assert "What you sent before was not saved: make the change again and send it." in text_of(
        browser.get(dashboard)
    )
    # Another site's page is never returned to; nor a page that only takes forms.
    for referrer in ("https://evil.example/staff/", None):
        browser = app.test_client()
        headers = {"Referer": referrer} if referrer else {}
        response = browser.post(
            f"/staff/events/{event.id}/capacity", data={"capacity": "40"}, headers=headers
        )
        assert sign_in_on(browser, response, organiser).headers["Location"] == "/staff/"


def test_a_form_is_offered_again_only_to_someone_allowed_to_send_it(app, make_user, make_event):
    event = make_event()
    desk = make_user(Role.DESK, email="desk@example.org")
    browser = app.test_client()
    response = browser.post(f"/staff/events/{event.id}/capacity", data={"capacity": "40"}, headers=THIS_SITE)
    signed = sign_in_on(browser, response, desk)
    assert signed.status_code == 302
    assert "Send your change again?" not in text_of(browser.get(signed.headers["Location"]))


def test_a_carried_form_goes_only_to_a_staff_page_that_takes_forms(app, organiser):
    """What the sign-in page sends back is checked again: it could have been altered."""
    browser = app.test_client()
    page = browser.get("/staff/login")
    for target in ("https://evil.example/staff/events/1/edit", "/staff/account/password", "/staff/events/"):
        signed = sign_in_on(browser, page, organiser, sent_to=target, **{"sent.title": "x"})
        assert signed.status_code == 302, target
        browser.post("/staff/logout")
