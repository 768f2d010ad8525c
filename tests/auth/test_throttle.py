"""Failed sign-ins slow the guesser down and never lock the owner out (regsvc.auth.throttle)."""

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from regsvc.auth.models import LoginFailure
from regsvc.auth.services import LoginRefused, authenticate
from regsvc.auth.throttle import (
    FREE_FAILURES_PER_ADDRESS,
    FREE_FAILURES_PER_PAIR,
    LONGEST_WAIT,
    WINDOW,
    LoginThrottled,
)
from regsvc.auth.two_step import confirm_enrolment, start_enrolment
from regsvc.db import utcnow
from regsvc.roles import Role

PASSWORD = "correct horse battery"


def guess(session, email, address, now, password="wrong guess"):
    """One attempt: "refused" (checked and wrong), the wait (not checked), or the user."""
    try:
        return authenticate(session, email, password, address, now)
    except LoginRefused:
        return "refused"
    except LoginThrottled as throttled:
        return throttled.retry_after


def failures(session) -> int:
    return session.scalar(select(func.count()).select_from(LoginFailure))


def test_an_attacker_failing_fifty_times_does_not_keep_the_owner_out(session, make_user):
    make_user(Role.DESK, email="desk@example.org")
    now = utcnow()
    # 50 guesses in two seconds from one address: the first few are checked, the rest wait.
    answers = [
        guess(session, "desk@example.org", "198.51.100.7", now + timedelta(seconds=n / 25)) for n in range(50)
    ]
    assert answers[:FREE_FAILURES_PER_PAIR] == ["refused"] * FREE_FAILURES_PER_PAIR
    assert "refused" in answers[FREE_FAILURES_PER_PAIR:] and isinstance(answers[-1], timedelta)

    # The owner, at the venue, signs in at once.
    assert authenticate(
        session, "desk@example.org", PASSWORD, "203.0.113.10", now + timedelta(seconds=2)
    ).email == ("desk@example.org")
    # The attacker's address still waits, even with the right password.
    assert isinstance(
        guess(session, "desk@example.org", "198.51.100.7", now + timedelta(seconds=2), PASSWORD), timedelta
    )


def test_fifty_failures_counted_from_everywhere_slow_the_failing_addresses_only(session, make_user):
    make_user(Role.DESK, email="desk@example.org")
    now = utcnow()
    for n in range(50):  # one guess from each of 50 addresses: all checked, all wrong
        assert guess(session, "desk@example.org", f"198.51.100.{n}", now) == "refused"
    assert failures(session) == 50
    # Each address that has guessed waits, by the account's failures: the longest wait.
    assert guess(
        session, "desk@example.org", "198.51.100.3", now + timedelta(seconds=1)
    ) == LONGEST_WAIT - timedelta(seconds=1)
    # An address that has not been failing is not kept waiting.
    assert (
        authenticate(session, "desk@example.org", PASSWORD, "203.0.113.10", now).email == "desk@example.org"
    )
    assert guess(session, "desk@example.org", "203.0.113.11", now) == "refused"


def test_the_wait_doubles_after_a_few_failures_up_to_a_few_minutes(session, make_user):
    make_user(Role.DESK, email="desk@example.org")
    now = utcnow()
    waits = []
    while len(waits) < 11:
        answer = guess(session, "desk@example.org", "198.51.100.7", now)
        if isinstance(answer, timedelta):
            waits.append(answer.total_seconds())
            now += answer  # come back exactly when allowed
        else:
            assert answer == "refused"
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert failures(session) == FREE_FAILURES_PER_PAIR + 10
    # Attempts made while waiting were neither checked nor counted; after the window all is forgotten.
    assert (
        authenticate(session, "desk@example.org", PASSWORD, "198.51.100.7", now + WINDOW).email
        == "desk@example.org"
    )


def test_a_venue_network_full_of_staff_signs_in(session, make_user):
    """Many people behind one address: each account's few typos do not add up to a wait."""
    venue = "203.0.113.1"
    now = utcnow()
    for n in range(30):
        make_user(Role.DESK, email=f"desk{n}@example.org")
        for _ in range(2):
            assert guess(session, f"desk{n}@example.org", venue, now, "typo typo typo") == "refused"
        assert (
            authenticate(session, f"desk{n}@example.org", PASSWORD, venue, now).email
            == f"desk{n}@example.org"
        )


def test_an_address_failing_for_many_accounts_waits_for_all_of_them(session, make_user):
    make_user(Role.DESK, email="real@example.org")
    sprayer, now = "198.51.100.7", utcnow()
    for n in range(FREE_FAILURES_PER_ADDRESS - 1):
        assert guess(session, f"guess{n}@example.org", sprayer, now) == "refused"
    # Up to the ceiling, a right password from that address still works.
    assert authenticate(session, "real@example.org", PASSWORD, sprayer, now).email == "real@example.org"
    assert guess(session, "another@example.org", sprayer, now) == "refused"  # the 100th failure

    assert guess(session, "real@example.org", sprayer, now, PASSWORD) == timedelta(seconds=1)
    assert guess(session, "real@example.org", sprayer, now + timedelta(seconds=1)) == "refused"
    assert guess(session, "real@example.org", sprayer, now + timedelta(seconds=1)) == timedelta(seconds=2)
    # Other addresses are not concerned.
    assert (
        authenticate(session, "real@example.org", PASSWORD, "203.0.113.10", now).email == "real@example.org"
    )


def test_a_success_forgets_the_failures_of_its_own_address_only(session, make_user):
    make_user(Role.DESK, email="oops@example.org")
    now = utcnow()
    for _ in range(FREE_FAILURES_PER_PAIR):
        assert guess(session, "oops@example.org", "10.1.1.1", now, "typo") == "refused"
    assert guess(session, "oops@example.org", "10.2.2.2", now, "typo") == "refused"
    assert isinstance(guess(session, "oops@example.org", "10.1.1.1", now, PASSWORD), timedelta)
    later = now + timedelta(seconds=1)
    assert authenticate(session, "oops@example.org", PASSWORD, "10.1.1.1", later).email == "oops@example.org"
    assert guess(session, "oops@example.org", "10.1.1.1", later, "typo") == "refused"  # counted afresh
    addresses = session.scalars(select(LoginFailure.address).order_by(LoginFailure.address))
    assert list(addresses) == ["10.1.1.1", "10.2.2.2"]


@pytest.fixture
def owner_with_two_step(session, make_user):
    user = make_user(Role.FINANCE, email="money@example.org")
    totp = pyotp.TOTP(start_enrolment(session, user.id).totp_secret)
    confirm_enrolment(session, user.id, totp.now())
    return totp


def test_with_two_step_sign_in_the_right_password_and_code_get_past_a_wait(
    session, make_user, owner_with_two_step
):
    totp, shared, now = owner_with_two_step, "203.0.113.1", utcnow()
    for _ in range(20):  # someone behind the same address guesses
        guess(session, "money@example.org", shared, now)
    wait = guess(session, "money@example.org", shared, now, PASSWORD)
    assert isinstance(wait, timedelta)

    def attempt(password, code):
        try:
            return authenticate(session, "money@example.org", password, shared, now, code=code)
        except LoginThrottled as throttled:
            return throttled.retry_after

    next_code = totp.at(now + timedelta(seconds=30))  # the enrolment used the current one
    window = {totp.at(now + timedelta(seconds=30 * k)) for k in (-1, 0, 1)}
    wrong_code = next(code for code in ("000000", "111111", "222222", "333333") if code not in window)
    # Anything short of both gets the same answer, and counts for nothing: the wait says
    # nothing of the password.
    assert attempt("wrong guess", next_code) == wait
    assert attempt(PASSWORD, wrong_code) == wait
    assert attempt("wrong guess", wrong_code) == wait
    user = attempt(PASSWORD, next_code)
    assert user.email == "money@example.org" and user.last_login_at == now
    with pytest.raises(LoginRefused):  # a code is accepted once
        authenticate(session, "money@example.org", PASSWORD, shared, now, code=next_code)


def test_without_two_step_sign_in_a_code_does_not_shorten_a_wait(session, make_user):
    make_user(Role.DESK, email="desk@example.org")
    now = utcnow()
    for _ in range(FREE_FAILURES_PER_PAIR):
        guess(session, "desk@example.org", "10.0.0.1", now)
    with pytest.raises(LoginThrottled):
        authenticate(session, "desk@example.org", PASSWORD, "10.0.0.1", now, code="123456")


def test_the_addresses_of_one_ipv6_network_count_as_one(session, make_user):
    make_user(Role.DESK, email="desk@example.org")
    now = utcnow()
    for n in range(1, FREE_FAILURES_PER_PAIR + 1):  # one subscriber's /64 holds them all
        assert guess(session, "desk@example.org", f"2001:db8:1:2::{n}", now) == "refused"
    assert isinstance(guess(session, "desk@example.org", "2001:db8:1:2:ffff::9", now, PASSWORD), timedelta)
    assert (
        authenticate(session, "desk@example.org", PASSWORD, "2001:db8:1:3::1", now).email
        == "desk@example.org"
    )
