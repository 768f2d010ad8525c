"""Two-step sign-in (TOTP): enrolment, the code step, codes accepted once, REQUIRE_2FA."""

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from regsvc.audit.models import AuditEntry
from regsvc.auth import two_step
from regsvc.auth.access import PENDING_KEY
from regsvc.auth.models import StaffUser
from regsvc.auth.services import authenticate
from regsvc.auth.throttle import FREE_FAILURES_PER_PAIR, LoginThrottled
from regsvc.auth.two_step import CodeRefused, SignInExpired, TwoStepError
from regsvc.db import utcnow
from regsvc.roles import Role
from tests.conftest import fresh, sign_in
from tests.registration.test_pages import text_of

PASSWORD = "correct horse battery"


def enrol(session, user) -> pyotp.TOTP:
    totp = pyotp.TOTP(two_step.start_enrolment(session, user.id).totp_secret)
    two_step.confirm_enrolment(session, user.id, totp.now())
    return totp


def later_code(totp: pyotp.TOTP, steps: int = 1, now=None) -> str:
    """A code of a later step than any used so far (each code is accepted once)."""
    return totp.at((now or utcnow()) + timedelta(seconds=30 * steps))


def wrong_code(totp: pyotp.TOTP, now=None) -> str:
    now = now or utcnow()
    window = {totp.at(now + timedelta(seconds=30 * k)) for k in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in window)


# Services


def test_enrolment_keeps_one_secret_until_a_code_confirms_it(session, make_user):
    user = make_user(Role.DESK)
    secret = two_step.start_enrolment(session, user.id).totp_secret
    assert len(secret) >= 32
    assert two_step.start_enrolment(session, user.id).totp_secret == secret  # a reload shows the same
    assert not user.two_step_enabled
    totp = pyotp.TOTP(secret)
    with pytest.raises(CodeRefused):
        two_step.confirm_enrolment(session, user.id, wrong_code(totp))
    two_step.confirm_enrolment(session, user.id, totp.now())
    fresh(session)
    user = session.get(StaffUser, user.id)
    assert user.two_step_enabled and user.totp_secret == secret
    with pytest.raises(TwoStepError, match="already on"):
        two_step.start_enrolment(session, user.id)
    assert session.scalars(select(AuditEntry.action)).all()[-1] == "user.two_step_on"
    assert two_step.setup_uri(user).startswith("otpauth://totp/regsvc.test:")


def test_a_code_is_accepted_once_and_only_near_its_time(make_user, session):
    user = make_user(Role.DESK)
    totp = pyotp.TOTP(two_step.start_enrolment(session, user.id).totp_secret)
    now = utcnow()
    assert not two_step.accept_code(user, totp.at(now - timedelta(seconds=60)), now)  # too old
    assert not two_step.accept_code(user, totp.at(now + timedelta(seconds=60)), now)  # too far ahead
    assert two_step.accept_code(user, totp.at(now - timedelta(seconds=30)), now)  # a slow phone
    assert two_step.accept_code(user, totp.at(now), now)
    assert not two_step.accept_code(user, totp.at(now), now)  # replayed
    assert not two_step.accept_code(user, totp.at(now - timedelta(seconds=30)), now)  # older than the last
    assert two_step.accept_code(user, totp.at(now + timedelta(seconds=30)), now)
    assert not two_step.accept_code(user, "١٢٣٤٥٦", now)  # digits, but not ASCII ones


def test_the_code_step_checks_the_account_and_slows_wrong_codes(session, make_user):
    user = make_user(Role.FINANCE)
    totp = enrol(session, user)
    now = utcnow()
    for _ in range(FREE_FAILURES_PER_PAIR):
        with pytest.raises(CodeRefused):
            two_step.sign_in_with_code(session, user.id, 0, wrong_code(totp, now), "10.0.0.1", now)
    with pytest.raises(LoginThrottled):  # even the right one waits, from there
        two_step.sign_in_with_code(session, user.id, 0, later_code(totp, now=now), "10.0.0.1", now)
    signed_in = two_step.sign_in_with_code(session, user.id, 0, later_code(totp, now=now), "10.0.0.2", now)
    assert signed_in.last_login_at == now
    # A password step whose account has changed since (here: signed out everywhere) is over.
    two_step.reset(session, user.id, actor=make_user(Role.ORGANISER))
    with pytest.raises(SignInExpired):
        two_step.sign_in_with_code(session, user.id, 0, later_code(totp, 2), "10.0.0.2")


def test_turning_two_step_sign_in_off_takes_a_code_and_is_refused_where_required(app, session, make_user):
    user = make_user(Role.FINANCE)
    totp = enrol(session, user)
    with pytest.raises(CodeRefused):
        two_step.turn_off(session, user.id, wrong_code(totp))
    app.config["REQUIRE_2FA"] = True
    with pytest.raises(TwoStepError, match="Your roles need two-step sign-in"):
        two_step.turn_off(session, user.id, later_code(totp))
    app.config["REQUIRE_2FA"] = False
    two_step.turn_off(session, user.id, later_code(totp))
    fresh(session)
    user = session.get(StaffUser, user.id)
    assert not user.two_step_enabled and user.totp_secret is None


def test_an_organiser_turns_it_off_for_someone_who_lost_their_phone(session, organiser, make_user):
    user = make_user(Role.FINANCE)
    enrol(session, user)
    with pytest.raises(TwoStepError, match="your account page"):
        two_step.reset(session, organiser.id, actor=organiser)
    two_step.reset(session, user.id, actor=organiser)
    fresh(session)
    user = session.get(StaffUser, user.id)
    assert not user.two_step_enabled and user.session_version == 1
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "user.two_step_reset" and entry.actor_id == organiser.id
    with pytest.raises(TwoStepError, match="does not use two-step sign-in"):
        two_step.reset(session, user.id, actor=organiser)


def test_required_for_finance_and_organisers_where_set(app, make_user):
    assert not two_step.required(make_user(Role.ORGANISER))
    app.config["REQUIRE_2FA"] = True
    assert two_step.required(make_user(Role.ORGANISER))
    assert two_step.required(make_user(Role.FINANCE, Role.DESK))
    assert not two_step.required(make_user(Role.DESK))


# Pages


def sign_in_with_password(client, user, next_url=""):
    return client.post(f"/staff/login{next_url}", data={"email": user.email, "password": PASSWORD})


def test_after_the_password_the_code_is_asked_for_before_anything_opens(
    client, session, make_user, make_event
):
    user = make_user(Role.ORGANISER)
    totp = enrol(session, user)
    response = sign_in_with_password(client, user, "?next=/staff/users")
    assert response.headers["Location"] == "/staff/login/code"
    with client.session_transaction() as stored:
        assert "_user_id" not in stored and stored[PENDING_KEY]["user"] == user.id
    # Half signed in is not signed in.
    assert client.get("/staff/users").headers["Location"].startswith("/staff/login")
    assert "Sign out" not in text_of(client.get("/"))

    page = client.get("/staff/login/code")
    assert page.status_code == 200 and "enter the 6-digit code" in text_of(page)
    response = client.post("/staff/login/code", data={"code": wrong_code(totp)})
    assert response.status_code == 401 and "This code is not right" in text_of(response)
    response = client.post("/staff/login/code", data={"code": "12345"})
    assert response.status_code == 422 and "The code has 6 digits." in text_of(response)
    code = later_code(totp)
    response = client.post("/staff/login/code", data={"code": f"{code[:3]} {code[3:]}"})
    assert response.headers["Location"] == "/staff/users"
    assert client.get("/staff/users").status_code == 200
    with client.session_transaction() as stored:
        assert PENDING_KEY not in stored


def test_the_code_page_without_a_password_sends_to_sign_in(client):
    response = client.get("/staff/login/code")
    assert response.headers["Location"] == "/staff/login"
    assert client.post("/staff/login/code", data={"code": "123456"}).headers["Location"] == "/staff/login"
    assert client.get("/staff/login/two-step").headers["Location"] == "/staff/login"


def test_with_require_2fa_finance_and_organisers_set_it_up_before_anything_opens(
    app, client, session, make_user
):
    app.config["REQUIRE_2FA"] = True
    user = make_user(Role.FINANCE)
    response = sign_in_with_password(client, user)
    assert response.headers["Location"] == "/staff/login/two-step"
    assert client.get("/staff/").headers["Location"].startswith("/staff/login")

    page = client.get("/staff/login/two-step")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "Your roles need two-step sign-in" in html and 'src="data:image/svg+xml' in html
    secret = html.split('id="two-step-key">')[1].split("<")[0].replace(" ", "")
    fresh(session)
    assert secret == session.get(StaffUser, user.id).totp_secret
    totp = pyotp.TOTP(secret)
    response = client.post("/staff/login/two-step", data={"code": wrong_code(totp)})
    assert response.status_code == 422 and "This code is not right" in text_of(response)

    response = client.post("/staff/login/two-step", data={"code": totp.now()}, follow_redirects=True)
    assert "Two-step sign-in is on." in text_of(response)
    assert client.get("/staff/").status_code == 200


def test_with_require_2fa_desk_staff_need_not(app, client, make_user):
    app.config["REQUIRE_2FA"] = True
    assert sign_in_with_password(client, make_user(Role.DESK)).headers["Location"] == "/staff/"


def test_turning_require_2fa_on_signs_out_those_who_have_not_set_it_up(app, client, make_user):
    user = make_user(Role.ORGANISER)
    sign_in(client, user)
    assert client.get("/staff/").status_code == 200
    app.config["REQUIRE_2FA"] = True
    assert client.get("/staff/").headers["Location"].startswith("/staff/login")


def test_staff_set_it_up_and_turn_it_off_on_their_account_page(client, session, make_user):
    user = make_user(Role.DESK)
    sign_in(client, user)
    page = text_of(client.get("/staff/account"))
    assert "Off. With two-step sign-in" in page and "Change your password" in page
    page = client.get("/staff/account/two-step")
    assert page.headers["Cache-Control"] == "no-store" and "Your roles need" not in text_of(page)
    fresh(session)
    totp = pyotp.TOTP(session.get(StaffUser, user.id).totp_secret)
    response = client.post("/staff/account/two-step", data={"code": totp.now()}, follow_redirects=True)
    assert "Two-step sign-in is on." in text_of(response) and "On since" in text_of(response)
    response = client.get("/staff/account/two-step", follow_redirects=True)
    assert "already on" in text_of(response)

    response = client.post("/staff/account/two-step/off", data={"code": wrong_code(totp)})
    assert response.status_code == 422 and "This code is not right" in text_of(response)
    response = client.post(
        "/staff/account/two-step/off", data={"code": later_code(totp)}, follow_redirects=True
    )
    assert "Two-step sign-in is off." in text_of(response)


def test_organisers_see_who_uses_it_and_can_turn_it_off(client, session, organiser, make_user):
    user = make_user(Role.FINANCE, email="money@example.org")
    enrol(session, user)
    sign_in(client, organiser)
    page = client.get("/staff/users").get_data(as_text=True)
    assert f"/staff/users/{user.id}/two-step" in page and f"/staff/users/{organiser.id}/two-step" not in page
    response = client.post(f"/staff/users/{user.id}/two-step", follow_redirects=True)
    assert "Two-step sign-in is off for money@example.org" in text_of(response)


def test_the_right_password_and_code_sign_in_past_a_wait_on_the_page(client, session, make_user):
    user = make_user(Role.FINANCE)
    totp = enrol(session, user)
    for _ in range(FREE_FAILURES_PER_PAIR):
        client.post("/staff/login", data={"email": user.email, "password": "wrong guess"})
    response = client.post("/staff/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    response = client.post(
        "/staff/login?next=/staff/account",
        data={"email": user.email, "password": PASSWORD, "code": later_code(totp)},
    )
    assert response.headers["Location"] == "/staff/account"
    assert client.get("/staff/account").status_code == 200


def test_a_password_with_a_wrong_code_is_refused_without_a_wait(client, session, make_user):
    user = make_user(Role.FINANCE)
    totp = enrol(session, user)
    response = client.post(
        "/staff/login", data={"email": user.email, "password": PASSWORD, "code": wrong_code(totp)}
    )
    assert response.status_code == 401 and "Wrong e-mail, password or code." in text_of(response)
    assert authenticate(session, user.email, PASSWORD, "10.9.9.9").id == user.id
