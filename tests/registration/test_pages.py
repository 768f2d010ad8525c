"""Client tests of the participant pages: registration form, private page, changes."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from regsvc.db import utcnow
from regsvc.mail.models import OutboxMessage
from regsvc.registration.models import Registration
from tests.conftest import form_data, fresh


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def registrations(session):
    fresh(session)
    return list(session.scalars(select(Registration).order_by(Registration.id)))


def token_from(location: str) -> str:
    return re.search(r"/r/([^/]+)/", location).group(1)


def mailed_token(app, email: str) -> str:
    """The private link's token from the latest e-mail to `email`: links reach the mailbox only."""
    with app.extensions["regsvc.db"].Session() as session:
        body = session.scalars(
            select(OutboxMessage.body)
            .where(OutboxMessage.recipient == email)
            .order_by(OutboxMessage.id.desc())
        ).first()
    return token_from(body)


def register_by_form(client, event, n=1, **fields):
    """Send the registration form; returns the response (which carries no private link)."""
    response = client.post(f"/e/{event.slug}/register", data=form_data(n, **fields))
    assert response.status_code == 302 and "/r/" not in response.headers["Location"]
    return response


def test_form_shows_every_field_with_a_bound_label(client, make_event):
    event = make_event()
    html = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    for name in [
        "full_name",
        "email",
        "phone",
        "organisation",
        "position",
        "departure_town",
        "needs",
        "consent_data",
        "consent_publication",
    ]:
        assert f'for="{name}"' in html, name
        assert f'id="{name}"' in html, name
    for option in ["attendance-0", "attendance-1", "when_full-0", "when_full-1"]:
        assert f'for="{option}"' in html and f'id="{option}"' in html
    assert 'href="/privacy"' in html


def test_registering_onsite_holds_a_seat_until_the_mailed_link_is_opened(app, client, session, make_event):
    event = make_event(onsite_capacity=5)
    response = register_by_form(client, event, 1, full_name="Đorđe Čolić")
    # The browser gets a page without the private link, saying what the request got.
    page = client.get(response.headers["Location"])
    assert "An on-site seat is held for you." in text_of(page) and "within 48 hours" in text_of(page)
    [registration] = registrations(session)
    assert registration.attendance == "onsite" and registration.confirmed_at is None
    assert registration.hold_expires_at is not None
    # The link arrives by e-mail only; opening it confirms the address and the seat.
    token = mailed_token(app, "participant1@example.org")
    page = client.get(f"/r/{token}/")
    assert page.status_code == 200
    body = text_of(page)
    assert "your e-mail address is confirmed and the on-site seat is yours" in body
    assert "On-site seat" in body and "Đorđe Čolić" in body
    assert "https://stream.example.org/live" in body  # stream details only for the registered
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    # The notice is for the first opening, not for every later visit.
    later = text_of(client.get(f"/r/{token}/"))
    assert "On-site seat" in later and "is confirmed" not in later
    [registration] = registrations(session)
    assert registration.confirmed_at is not None and registration.hold_expires_at is None
    assert registration.email_normalised == "participant1@example.org"
    assert registration.phone == "+381 64 123 4567"


def test_stream_details_are_not_on_the_public_event_page(client, make_event):
    event = make_event()
    assert "stream.example.org" not in client.get(f"/e/{event.slug}/").get_data(as_text=True)


def test_full_event_is_announced_on_the_form_and_the_waiting_list_position_shown(client, make_event):
    event = make_event(onsite_capacity=1)
    client.post(f"/e/{event.slug}/register", data=form_data(1))
    form = text_of(client.get(f"/e/{event.slug}/register"))
    assert "On-site is full" in form
    response = register_by_form(client, event, 2)
    assert "you are on the waiting list" in text_of(client.get(response.headers["Location"]))
    page = text_of(client.get(f"/r/{mailed_token(client.application, 'participant2@example.org')}/"))
    assert "Waiting list" in page and "number 1 on the waiting list" in page


def test_full_event_can_register_online_instead(client, session, make_event):
    event = make_event(onsite_capacity=0)
    response = register_by_form(client, event, 1, when_full="online")
    assert "You follow the event online" in text_of(client.get(response.headers["Location"]))
    assert registrations(session)[0].attendance == "online"


def test_invalid_form_keeps_what_was_typed_and_explains_each_error(client, session, make_event):
    event = make_event()
    data = form_data(1, email="ana(at)example", full_name="Ана Петровић", phone="call me", consent_data="")
    response = client.post(f"/e/{event.slug}/register", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="Ана Петровић"' in html
    assert 'value="ana(at)example"' in html
    assert "This does not look like an e-mail address" in html
    assert "Use digits, spaces and an optional leading +" in html
    assert "We can only register you with your consent to this." in html
    assert 'aria-invalid="true"' in html
    assert registrations(session) == []


def test_missing_fields_each_get_a_plain_message(client, make_event):
    event = make_event()
    response = client.post(f"/e/{event.slug}/register", data={"attendance": "teleport"})
    body = text_of(response)
    for message in [
        "Please enter your full name.",
        "Please enter your e-mail address.",
        "Please enter your organisation.",
        "Please enter your position.",
        "Please enter the town you travel from.",
        "Please choose on-site or online.",
    ]:
        assert message in body


def test_registering_twice_does_not_reveal_the_registration(client, session, make_event):
    event = make_event()
    client.post(f"/e/{event.slug}/register", data=form_data(1, full_name="First Person"))
    response = client.post(
        f"/e/{event.slug}/register",
        data=form_data(1, email="PARTICIPANT1@example.org", full_name="Someone Else"),
    )
    assert response.status_code == 302
    assert "/r/" not in response.headers["Location"]
    # The same answer as for a new address: nothing tells that this one was registered.
    newcomer = register_by_form(client, event, 2)
    assert response.headers["Location"] == newcomer.headers["Location"]
    page = text_of(client.get(response.headers["Location"]))
    assert "An on-site seat is held for you." in page
    assert "First Person" not in page
    assert len(registrations(session)) == 2


@pytest.mark.parametrize(
    ("fields", "heading"),
    [
        ({"registration_opens_at": utcnow() + timedelta(days=2)}, "Registration is not open yet"),
        ({"registration_closes_at": utcnow() - timedelta(hours=1)}, "Registration is closed"),
        (
            {
                "starts_at": utcnow() - timedelta(days=2),
                "ends_at": utcnow() - timedelta(days=1),
                "registration_opens_at": utcnow() - timedelta(days=20),
                "registration_closes_at": utcnow() - timedelta(days=3),
            },
            "This event is over",
        ),
    ],
)
def test_registration_outside_its_window_gets_a_clear_page_and_saves_nothing(
    client, session, make_event, fields, heading
):
    event = make_event(**fields)
    assert heading in text_of(client.get(f"/e/{event.slug}/register"))
    response = client.post(f"/e/{event.slug}/register", data=form_data(1))
    assert response.status_code == 200
    assert heading in text_of(response)
    assert registrations(session) == []


def test_unknown_and_unpublished_events_are_404_in_the_site_style(client, make_event):
    hidden = make_event(is_published=False)
    for path in ["/e/no-such-event/", "/e/no-such-event/register", f"/e/{hidden.slug}/", "/nowhere"]:
        response = client.get(path)
        assert response.status_code == 404
        assert "Page not found" in text_of(response)
        assert "/static/style.css" in response.get_data(as_text=True)


def test_a_complete_form_sent_to_an_unknown_or_hidden_event_is_404_and_saves_nothing(
    client, session, make_event
):
    hidden = make_event(is_published=False)
    for slug in ("no-such-event", hidden.slug):
        response = client.post(f"/e/{slug}/register", data=form_data(1))
        assert response.status_code == 404 and "Page not found" in text_of(response)
    assert session.scalar(select(func.count()).select_from(Registration)) == 0


def test_a_wrong_private_link_explains_what_to_do(client):
    response = client.get("/r/not-a-real-token/")
    assert response.status_code == 404
    assert "This link does not work" in text_of(response)


@pytest.fixture
def csrf_client(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def test_a_form_without_its_csrf_token_gets_a_friendly_page_and_saves_nothing(
    csrf_client, session, make_event
):
    event = make_event()
    response = csrf_client.post(f"/e/{event.slug}/register", data=form_data(1))
    assert response.status_code == 400
    assert "Please send the form again" in text_of(response)
    assert registrations(session) == []
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_the_form_works_with_its_csrf_token(csrf_client, session, make_event):
    event = make_event()
    html = csrf_client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = csrf_client.post(f"/e/{event.slug}/register", data=form_data(1, csrf_token=token))
    assert response.status_code == 302
    assert len(registrations(session)) == 1


def _register(client, event, n=1, **fields):
    register_by_form(client, event, n, **fields)
    return mailed_token(client.application, fields.get("email", f"participant{n}@example.org"))


def test_switching_to_online_frees_the_seat_for_the_waiting_list(client, session, make_event):
    event = make_event(onsite_capacity=1)
    seated = _register(client, event, 1)
    waiting = _register(client, event, 2)

    response = client.post(f"/r/{seated}/attendance", data={"wanted": "online"})
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert "You are now registered to follow online." in page
    assert "On-site seat" in text_of(client.get(f"/r/{waiting}/"))


def test_switching_to_onsite_when_full_joins_the_waiting_list(client, make_event):
    event = make_event(onsite_capacity=1)
    _register(client, event, 1)
    online = _register(client, event, 2, attendance="online")
    page = text_of(client.get(f"/r/{online}/"))
    assert "Join the waiting list for on-site" in page
    response = client.post(f"/r/{online}/attendance", data={"wanted": "onsite", "when_full": "waitlist"})
    assert "you are on the waiting list" in text_of(client.get(response.headers["Location"]))


def test_cancelling_asks_for_confirmation_first(client, session, make_event):
    event = make_event()
    token = _register(client, event)
    confirm = client.get(f"/r/{token}/cancel")
    assert "Cancel your registration?" in text_of(confirm)
    assert registrations(session)[0].attendance == "onsite"
    client.post(f"/r/{token}/attendance", data={"wanted": "cancelled"})
    assert registrations(session)[0].attendance == "cancelled"
    page = text_of(client.get(f"/r/{token}/"))
    assert "Your registration is cancelled." in page
    assert "stream.example.org" not in page
    # Cancelled: the cancel page just leads back.
    assert client.get(f"/r/{token}/cancel").status_code == 302


def test_a_change_that_is_not_allowed_is_refused_with_a_message(client, session, make_event):
    event = make_event()
    token = _register(client, event)
    response = client.post(f"/r/{token}/attendance", data={"wanted": "waitlisted"}, follow_redirects=True)
    assert "This change is not possible any more." in text_of(response)
    response = client.post(f"/r/{token}/attendance", data={"wanted": "bogus"}, follow_redirects=True)
    assert "That change was not understood" in text_of(response)
    assert registrations(session)[0].attendance == "onsite"


def test_changes_are_refused_after_registration_closes(client, session, make_event):
    event = make_event()
    token = _register(client, event)
    event.registration_closes_at = utcnow() - timedelta(minutes=1)
    session.commit()
    page = text_of(client.get(f"/r/{token}/"))
    assert "Switch to online" not in page
    assert "Cancel my registration" in page
    response = client.post(f"/r/{token}/attendance", data={"wanted": "online"}, follow_redirects=True)
    assert "This change is not possible any more." in text_of(response)


def test_wrong_method_and_garbage_never_give_a_500(client, make_event):
    event = make_event()
    token = _register(client, event)
    assert client.get(f"/r/{token}/attendance").status_code == 405
    assert client.post("/r/x/attendance", data={"wanted": "online"}).status_code == 404
    assert client.get("/r/" + "a" * 5000 + "/").status_code == 404
    weird = form_data(2, full_name="x" * 5000, email="\x00@example.org", needs="<script>alert(1)</script>")
    assert client.post(f"/e/{event.slug}/register", data=weird).status_code == 422
    page = client.get(f"/r/{_register(client, event, 3, full_name='<b>Bold</b>')}/").get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page and "<b>Bold</b>" not in page


def test_the_private_page_shows_the_check_in_qr_code_for_onsite_people(client, make_event):
    event = make_event(onsite_capacity=1)
    seated = _register(client, event, 1)
    online = _register(client, event, 2, attendance="online")
    page = client.get(f"/r/{seated}/").get_data(as_text=True)
    assert "<svg" in page and "Show this code at the registration desk." in page
    assert "<svg" not in client.get(f"/r/{online}/").get_data(as_text=True)
