"""A session ends for good: signing out, a new password or a disabled account end every
copy of it at once, and no session outlives STAFF_SESSION_MAX_HOURS."""

import time

import pytest

from regsvc.auth.access import SINCE_KEY, VERSION_KEY
from regsvc.auth.models import StaffUser
from regsvc.auth.services import AccountError, change_password, set_active, sign_out
from regsvc.roles import Role
from tests.conftest import fresh, sign_in
from tests.registration.test_pages import text_of

PASSWORD = "correct horse battery"


def signed_in(app, user):
    """A browser signed in through the login form."""
    client = app.test_client()
    response = client.post("/staff/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def copy_of(app, client):
    """A second browser holding a copy of the first one's session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def signed_out(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/staff/login")


def test_signing_out_ends_every_copy_of_the_session(app, organiser):
    browser = signed_in(app, organiser)
    copy = copy_of(app, browser)
    assert copy.get("/staff/users").status_code == 200

    browser.post("/staff/logout")
    assert signed_out(copy.get("/staff/users"))
    assert signed_out(browser.get("/staff/users"))
    # Signing in again starts a new session; the copied one stays dead.
    browser = signed_in(app, organiser)
    assert browser.get("/staff/users").status_code == 200
    assert signed_out(copy.get("/staff/users"))


def test_a_new_password_ends_the_other_sessions_and_keeps_this_one(app, session, organiser):
    browser = signed_in(app, organiser)
    copy = copy_of(app, browser)
    response = browser.post(
        "/staff/account/password",
        data={
            "current": "not my password",
            "password": "a new long password",
            "repeat": "a new long password",
        },
    )
    assert response.status_code == 422 and "Your current password is not right." in text_of(response)
    response = browser.post(
        "/staff/account/password",
        data={"current": PASSWORD, "password": "a new long password", "repeat": "another one entirely"},
    )
    assert response.status_code == 422 and "The two new passwords differ." in text_of(response)
    assert copy.get("/staff/").status_code == 200

    response = browser.post(
        "/staff/account/password",
        data={"current": PASSWORD, "password": "a new long password", "repeat": "a new long password"},
        follow_redirects=True,
    )
    assert "Your password is changed." in text_of(response)
    assert browser.get("/staff/").status_code == 200
    assert signed_out(copy.get("/staff/"))


def test_disabling_an_account_ends_its_sessions_for_good(app, session, organiser, make_user):
    desk = make_user(Role.DESK)
    browser = signed_in(app, desk)
    set_active(session, desk.id, False, actor=organiser)
    set_active(session, desk.id, True, actor=organiser)
    assert signed_out(browser.get("/staff/"))


def test_every_ending_raises_the_session_version(session, organiser, make_user):
    desk = make_user(Role.DESK)
    sign_out(session, desk.id)
    set_active(session, desk.id, False, actor=organiser)
    set_active(session, desk.id, True, actor=organiser)  # enabling ends nothing
    change_password(session, desk.id, "a new long password", current=PASSWORD, address="10.0.0.1")
    with pytest.raises(AccountError):
        change_password(session, desk.id, "yet another password", current=PASSWORD, address="10.0.0.1")
    fresh(session)
    assert session.get(StaffUser, desk.id).session_version == 3


def test_a_session_ends_after_the_longest_session_time_however_active(app, organiser):
    app.config["STAFF_SESSION_MAX_HOURS"] = 12
    browser = signed_in(app, organiser)
    with browser.session_transaction() as stored:
        assert stored[VERSION_KEY] == 0
        stored[SINCE_KEY] = int(time.time()) - 12 * 3600 + 60
    assert browser.get("/staff/").status_code == 200
    with browser.session_transaction() as stored:
        stored[SINCE_KEY] = int(time.time()) - 12 * 3600 - 1
    assert signed_out(browser.get("/staff/"))


def test_a_session_begun_before_sign_ins_were_stamped_is_stamped_at_its_next_request(
    client, session, organiser
):
    sign_out(session, organiser.id)
    sign_in(client, organiser)  # a session holding only the user's id
    with client.session_transaction() as stored:
        assert VERSION_KEY not in stored and SINCE_KEY not in stored
    before = int(time.time())
    assert client.get("/staff/").status_code == 200
    with client.session_transaction() as stored:
        assert stored[VERSION_KEY] == 1 and stored[SINCE_KEY] >= before
    sign_out(session, organiser.id)
    assert signed_out(client.get("/staff/"))
