"""Every /staff/ page states who may open it; this walks them all with every role."""

import pytest
from flask import url_for

from regsvc.claims.drafting import open_claim
from regsvc.roles import Role
from tests.conftest import sign_in

# The sign-in steps, open before anyone is signed in.
PUBLIC_STAFF_ENDPOINTS = {"auth.login", "auth.login_code", "auth.login_enrol", "auth.logout"}


def staff_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/staff") and rule.endpoint not in PUBLIC_STAFF_ENDPOINTS
    ]


def test_every_staff_route_declares_its_roles(app):
    rules = staff_rules(app)
    assert len(rules) > 15
    undeclared = [
        rule.rule for rule in rules if not getattr(app.view_functions[rule.endpoint], "allowed_roles", None)
    ]
    assert undeclared == []


@pytest.fixture
def world(session, make_event, make_registration, make_user):
    event = make_event()
    registration = make_registration(event).registration
    return {
        "event_id": event.id,
        "registration_id": registration.id,
        "claim_id": open_claim(session, registration).id,
        "receipt_id": 999,
        "batch_id": 999,
        "which": "thumbnail",
        "user_id": make_user(Role.FINANCE, email="someone@example.org").id,
        "fmt": "csv",
    }


def _requests(app, world):
    for rule in staff_rules(app):
        values = {name: world[name] for name in rule.arguments}
        url = app.url_map.bind("localhost").build(rule.endpoint, values)
        method = "GET" if "GET" in rule.methods else "POST"
        yield rule, url, method


def test_anonymous_visitors_are_sent_to_the_login_page(app, client, world):
    """A page opened leads to the sign-in page, and back to it afterwards; a form sent gets
    the sign-in page in answer, and changes nothing."""
    for rule, url, method in _requests(app, world):
        response = client.open(url, method=method)
        if method == "GET":
            assert response.status_code == 302, rule.rule
            with app.test_request_context():
                sign_in_page = url_for("auth.login", next=url)
            assert response.headers["Location"] == sign_in_page, rule.rule
        else:
            assert response.status_code == 401, rule.rule
            assert "Staff sign-in" in response.get_data(as_text=True), rule.rule


@pytest.mark.parametrize("role", list(Role))
def test_each_role_opens_its_pages_and_gets_403_elsewhere(app, client, world, make_user, role):
    sign_in(client, make_user(role))
    for rule, url, method in _requests(app, world):
        allowed = role in app.view_functions[rule.endpoint].allowed_roles
        with client.open(url, method=method, data={}) as response:  # closes a file it streams
            if allowed:
                assert response.status_code not in (401, 403), (role, rule.rule)
                assert response.status_code < 500, (role, rule.rule)
                assert not response.headers.get("Location", "").startswith("/staff/login"), (role, rule.rule)
            else:
                assert response.status_code == 403, (role, rule.rule, response.status_code)
                page = response.get_data(as_text=True)
                assert "Not allowed" in page
                # Staff are led to their own home page, not to the public one.
                assert '<a href="/staff/">Go to the staff home page</a>' in page
                assert "Go to the list of events" not in page


def test_the_matrix_matches_the_design(app):
    """Who may do what, stated once more in plain words."""
    roles = {rule.endpoint: app.view_functions[rule.endpoint].allowed_roles for rule in staff_rules(app)}
    assert roles["console.events"] == {Role.ORGANISER}
    assert roles["auth.users"] == {Role.ORGANISER}
    assert roles["audit.log"] == {Role.ORGANISER}
    assert roles["desk.desk"] == {Role.DESK, Role.ORGANISER}
    assert roles["desk.walk_in"] == {Role.DESK, Role.ORGANISER}
    assert roles["registrations.export"] == {Role.ORGANISER}
    assert roles["auth.home"] == set(Role)
    assert roles["auth.account"] == roles["auth.account_enrol"] == roles["auth.account_password"] == set(Role)
    assert roles["auth.reset_two_step"] == {Role.ORGANISER}
    assert roles["finance.queue"] == {Role.FINANCE}
    assert roles["finance.decide"] == {Role.FINANCE}


def test_error_pages_lead_staff_to_their_home_and_visitors_to_the_events(client, make_user):
    sign_in(client, make_user(Role.DESK))
    staff_page = client.get("/staff/no-such-page").get_data(as_text=True)
    assert '<a href="/staff/">Go to the staff home page</a>' in staff_page
    visitor_page = client.application.test_client().get("/e/no-such-event/").get_data(as_text=True)
    assert '<a href="/">Go to the list of events</a>' in visitor_page
    assert "staff home" not in visitor_page
