"""Staff accounts, sign-in, throttling, session expiry, and the CLI."""

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from regsvc.audit.models import AuditEntry
from regsvc.auth.models import StaffUser
from regsvc.auth.services import (
    AccountError,
    LoginRefused,
    authenticate,
    create_user,
    set_active,
)
from regsvc.auth.throttle import FREE_FAILURES_PER_PAIR
from regsvc.mail.models import OutboxMessage
from regsvc.roles import Role
from tests.conftest import form_data, fresh, sign_in
from tests.registration.test_pages import text_of

PASSWORD = "correct horse battery"


def test_passwords_are_stored_hashed_with_a_current_algorithm(session, make_user):
    user = make_user(Role.DESK)
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:sha256"))


def test_accounts_can_hold_several_roles(session):
    user = create_user(session, "Both@Example.org", [Role.DESK, Role.FINANCE], password=PASSWORD).user
    assert user.email == "both@example.org"
    assert user.roles == {"desk", "finance"}
    assert user.has_role(Role.FINANCE) and not user.has_role(Role.ORGANISER)


@pytest.mark.parametrize(
    ("email", "roles", "password", "message"),
    [
        ("x@example.org", ["desk"], "short", "at least 10 characters"),
        ("x@example.org", ["janitor"], PASSWORD, "Roles must be among"),
        ("x@example.org", [], PASSWORD, "Roles must be among"),
        ("not-an-address", ["desk"], PASSWORD, "is not an e-mail address"),
    ],
)
def test_bad_accounts_are_refused_with_a_reason(session, email, roles, password, message):
    with pytest.raises(AccountError, match=message):
        create_user(session, email, roles, password=password)
    assert session.scalars(select(StaffUser)).all() == []


def test_an_address_has_one_account(session, make_user):
    make_user(Role.DESK, email="same@example.org")
    with pytest.raises(AccountError, match="already has an account"):
        create_user(session, "SAME@example.org", [Role.FINANCE], password=PASSWORD)


def test_a_generated_password_is_returned_once_and_works(session):
    account = create_user(session, "gen@example.org", [Role.DESK])
    assert len(account.generated_password) >= 12
    assert (
        authenticate(session, "gen@example.org", account.generated_password, "10.0.0.1").id == account.user.id
    )


def test_a_disabled_account_cannot_sign_in(session, make_user):
    user = make_user(Role.DESK, email="gone@example.org")
    set_active(session, user.id, False)
    with pytest.raises(LoginRefused):
        authenticate(session, "gone@example.org", PASSWORD, "10.0.0.1")


def test_login_page_signs_in_and_goes_to_the_page_asked_for(client, organiser, make_event):
    event = make_event()
    asked = f"/staff/events/{event.id}/"
    response = client.get(asked)
    assert response.headers["Location"].startswith("/staff/login?next=")
    response = client.post(
        "/staff/login?next=" + asked, data={"email": "Organiser@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == asked
    assert client.get(asked).status_code == 200


def test_login_page_never_redirects_off_site(client, organiser):
    response = client.post(
        "/staff/login?next=https://evil.example.com/staff/",
        data={"email": organiser.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/staff/"


def test_login_page_explains_failures_and_when_to_try_again(client, organiser):
    response = client.post("/staff/login", data={"email": organiser.email, "password": "wrong password"})
    assert response.status_code == 401
    assert "Wrong e-mail or password." in text_of(response)
    for _ in range(FREE_FAILURES_PER_PAIR):
        response = client.post("/staff/login", data={"email": organiser.email, "password": "wrong password"})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert re.search(
        r"Too many failed attempts\. You can try again in 1 second, at \d\d:\d\d:\d\d\.", text_of(response)
    )
    # Users of two-step sign-in are offered the way past the wait.
    assert "Code from your authenticator app" in text_of(response)
    response = client.post("/staff/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert "Please enter your e-mail address." in text_of(response)


def test_staff_sessions_expire_after_inactivity(app, client, organiser):
    app.permanent_session_lifetime = timedelta(seconds=1)
    client.post("/staff/login", data={"email": organiser.email, "password": PASSWORD})
    assert client.get("/staff/").status_code == 200
    time.sleep(2.2)  # the signed cookie's age is counted in whole seconds
    response = client.get("/staff/")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_signing_out(client, organiser):
    sign_in(client, organiser)
    assert client.get("/staff/").status_code == 200
    response = client.post("/staff/logout")
    assert response.headers["Location"] == "/staff/login"
    assert client.get("/staff/").status_code == 302


def test_a_disabled_account_is_signed_out_at_once(client, session, organiser, make_user):
    desk = make_user(Role.DESK)
    sign_in(client, desk)
    assert client.get("/staff/").status_code == 200
    set_active(session, desk.id, False, actor=organiser)
    assert client.get("/staff/").status_code == 302


def session_cookie(app, response) -> dict:
    """The Flask session that `response` sets in the browser, decoded."""
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    assert len(cookies) == 1
    value = cookies[0].split(";", 1)[0].removeprefix("session=")
    return app.session_interface.get_signing_serializer(app).loads(value)


def test_organisers_manage_accounts_on_a_page(app, client, session, organiser):
    client.post("/staff/login", data={"email": organiser.email, "password": PASSWORD})
    response = client.post(
        "/staff/users", data={"email": "new@example.org", "full_name": "Nova", "roles": ["desk", "finance"]}
    )
    # A generated password is shown once, in the answer to the form, and stored nowhere:
    # not in the session cookie (as a flashed message would be), not in a cache.
    assert response.status_code == 200
    page = text_of(response)
    assert "Account created" in page and "This password is shown only now" in page
    password = response.get_data(as_text=True).split('id="new-password">')[1].split("<")[0]
    assert len(password) >= 12
    assert response.headers["Cache-Control"] == "no-store"
    cookie = session_cookie(app, response)
    assert cookie["_user_id"] == str(organiser.id)
    assert password not in repr(cookie)
    assert password not in text_of(client.get("/staff/users"))
    assert authenticate(session, "new@example.org", password, "10.0.0.1").email == "new@example.org"
    new = session.scalar(select(StaffUser).where(StaffUser.email == "new@example.org"))
    assert new.roles == {"desk", "finance"}

    response = client.post(
        "/staff/users",
        data={"email": "chosen@example.org", "roles": ["desk"], "password": "chosen long password"},
    )
    assert response.status_code == 302
    assert "Account created for chosen@example.org." in text_of(client.get("/staff/users"))

    client.post(f"/staff/users/{new.id}/active", data={"active": "0"})
    fresh(session)
    assert session.get(StaffUser, new.id).active is False
    response = client.post(f"/staff/users/{organiser.id}/active", data={"active": "0"}, follow_redirects=True)
    assert "You cannot disable your own account." in text_of(response)

    response = client.post("/staff/users", data={"email": "new@example.org", "roles": ["desk"]})
    assert response.status_code == 422
    assert "already has an account" in text_of(response)
    response = client.post("/staff/users", data={"email": "x@example.org"})
    assert "Choose at least one role." in text_of(response)

    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-3:] == ["user.created", "user.created", "user.disabled"]


def test_cli_creates_lists_and_disables_users(runner, session):
    result = runner.invoke(
        args=[
            "regsvc",
            "create-user",
            "cli@example.org",
            "--role",
            "organiser",
            "--role",
            "desk",
            "--generate-password",
        ]
    )
    assert result.exit_code == 0, result.output
    password = result.output.split("Password (shown only now): ")[1].strip()
    assert authenticate(session, "cli@example.org", password, "127.0.0.1").roles == {"organiser", "desk"}

    typed = runner.invoke(
        args=["regsvc", "create-user", "typed@example.org", "--role", "finance"],
        input="long enough pw\nlong enough pw\n",
    )
    assert typed.exit_code == 0, typed.output

    listing = runner.invoke(args=["regsvc", "list-users"]).output
    assert "cli@example.org" in listing and "desk,organiser" in listing and "typed@example.org" in listing

    assert runner.invoke(args=["regsvc", "disable-user", "cli@example.org"]).exit_code == 0
    assert "disabled" in runner.invoke(args=["regsvc", "list-users"]).output
    missing = runner.invoke(args=["regsvc", "disable-user", "nobody@example.org"])
    assert missing.exit_code != 0 and "There is no account" in missing.output
    bad = runner.invoke(
        args=["regsvc", "create-user", "x@example.org", "--role", "boss", "--generate-password"]
    )
    assert bad.exit_code != 0


def test_the_header_shows_staff_their_pages_and_nobody_else(
    client, session, organiser, make_user, make_event
):
    event = make_event()

    def header(path):
        html = client.get(path).get_data(as_text=True)
        return html[html.index("<header") : html.index("</header>")]

    assert "Sign out" not in header(f"/e/{event.slug}/")  # the public
    client.post(f"/e/{event.slug}/register", data=form_data(1))
    assert "Sign out" not in header(f"/e/{event.slug}/")  # a participant, with a session of their own
    sign_in(client, make_user(Role.FINANCE))
    public_page = header(f"/e/{event.slug}/")
    assert "Sign out" in public_page and "Claims" in public_page and "Desk" not in public_page
    client.post("/staff/logout")
    assert "Sign out" not in header(f"/e/{event.slug}/")
    sign_in(client, organiser)
    set_active(session, organiser.id, False, actor=make_user(Role.ORGANISER))
    assert "Sign out" not in header(f"/e/{event.slug}/")  # disabled: signed out at once


def test_every_organiser_hears_of_a_new_account_and_its_roles(session, make_user):
    ana = make_user(Role.ORGANISER, email="ana@example.org")
    make_user(Role.ORGANISER, email="marko@example.org")
    make_user(Role.DESK, email="desk@example.org")
    disabled = make_user(Role.ORGANISER, email="left@example.org")
    set_active(session, disabled.id, False)
    before = session.scalar(select(func.count()).select_from(OutboxMessage))
    create_user(session, "ana+money@example.org", [Role.FINANCE], full_name="Ana Two", actor=ana)
    messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()[before:]
    assert sorted(message.recipient for message in messages) == ["ana@example.org", "marko@example.org"]
    assert all("ana+money@example.org (Finance)" in message.subject for message in messages)
    assert "Created by: ana" in messages[0].body
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.created")).all()[-1]
    assert entry.details["roles"] == ["finance"] and entry.actor_id == ana.id
