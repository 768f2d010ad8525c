"""Links only to the real site, production settings that cannot be unsafe, and no 500 for
numbers out of range (issue: safe to put on the internet)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

import config
from regsvc import create_app
from regsvc.mail.models import OutboxMessage
from regsvc.roles import Role
from tests.auth.test_access import PUBLIC_STAFF_ENDPOINTS
from tests.conftest import form_data, sign_in

GOOD_KEY = "k" * 40


def test_production_refuses_a_short_secret_key_and_a_missing_public_url():
    with pytest.raises(RuntimeError, match="at least 32 bytes"):
        config.load_settings(
            "production", {"REGSVC_SECRET_KEY": "x", "REGSVC_PUBLIC_URL": "https://r.example"}
        )
    with pytest.raises(RuntimeError, match="REGSVC_PUBLIC_URL"):
        config.load_settings("production", {"REGSVC_SECRET_KEY": GOOD_KEY})
    settings = config.load_settings(
        "production", {"REGSVC_SECRET_KEY": GOOD_KEY, "REGSVC_PUBLIC_URL": "https://register.example.org"}
    )
    assert settings["PUBLIC_URL"] == "https://register.example.org"


@pytest.fixture
def production(app_settings):
    """The app as production runs it, behind one proxy."""
    settings = {
        **config.load_settings(
            "production", {"REGSVC_SECRET_KEY": GOOD_KEY, "REGSVC_PUBLIC_URL": "https://register.example.org"}
        ),
        **app_settings,
        "PUBLIC_URL": "https://register.example.org",
        "ENV_NAME": "production",
        "TRUSTED_PROXIES": 1,
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
    }
    app = create_app(settings)
    with app.app_context():
        yield app
    app.extensions["regsvc.db"].dispose()


def _links_in_outbox(app) -> list[str]:
    with app.extensions["regsvc.db"].Session() as session:
        bodies = session.scalars(select(OutboxMessage.body)).all()
    return [link for body in bodies for link in re.findall(r"https?://\S+", body)]


def test_production_answers_only_its_own_host(production):
    client = production.test_client()
    assert client.get("/", base_url="https://register.example.org").status_code == 200
    assert client.get("/", base_url="https://evil.example").status_code == 400
    response = client.get("/", base_url="https://register.example.org")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_forwarded_host_never_reaches_a_link(production, make_event):
    event = make_event()
    client = production.test_client()
    client.post(
        f"/e/{event.slug}/register",
        data=form_data("victim"),
        base_url="https://register.example.org",
        headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"},
    )
    links = _links_in_outbox(production)
    assert links and all(link.startswith("https://register.example.org/") for link in links)


def test_links_come_from_the_public_url_whatever_host_a_request_names(app, client, make_event):
    event = make_event()
    client.post(f"/e/{event.slug}/register", data=form_data("someone"), base_url="http://evil.example")
    links = _links_in_outbox(app)
    assert links and all(link.startswith("http://regsvc.test/") for link in links)
    assert not any("evil" in link for link in links)


def test_development_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


HUGE = 99999999999999999999


@pytest.mark.parametrize("number", [HUGE, 2**31, -1])
def test_every_route_answers_numbers_out_of_range_without_a_500(app, client, make_user, number):
    staff = make_user(*Role, email="all.roles@example.org")
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = rule.rule
        for argument in rule.arguments:
            converter = type(rule._converters[argument]).__name__
            value = str(number) if "Integer" in converter or "Id" in converter else "x"
            path = re.sub(rf"<(?:[^:>]+:)?{argument}>", value, path)
        query = f"?page={number}&event={number}"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            sign_in(client, staff)  # again: the walk passes the sign-out route too
            response = client.open(path + query, method=method)
            assert response.status_code < 500, (method, path, response.status_code)
            if path.startswith("/staff/") and rule.endpoint not in PUBLIC_STAFF_ENDPOINTS:
                assert response.status_code != 302 or "/staff/login" not in response.headers["Location"], path
