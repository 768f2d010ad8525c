"""Limits that hold across all workers: registrations and wrong private links per client
address, a friendly 429, and a field only robots fill in."""

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from regsvc.registration.models import Registration
from tests.conftest import form_data, fresh
from tests.registration.test_pages import mailed_token, text_of


def _count(session):
    fresh(session)
    return session.scalar(select(func.count()).select_from(Registration))


@pytest.fixture(autouse=True)
def within_one_window():
    """The counters' windows are whole hours: a test that straddled the turn of an hour
    would see its count start again. Begin a test that close to it after the turn instead."""
    now = datetime.now(UTC)
    seconds_left = 3600 - (now.minute * 60 + now.second)
    if seconds_left < 60:
        time.sleep(seconds_left + 1)


def test_registrations_per_address_are_limited_with_a_friendly_page(app, client, session, make_event):
    app.config["REGISTRATIONS_PER_ADDRESS_PER_HOUR"] = 3
    event = make_event(onsite_capacity=50)
    for n in range(3):
        assert client.post(f"/e/{event.slug}/register", data=form_data(n)).status_code == 302
    response = client.post(f"/e/{event.slug}/register", data=form_data(99))
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "Too many attempts" in text_of(response) and "Nothing was saved" in text_of(response)
    assert _count(session) == 3
    # Another address is not affected.
    other = client.post(
        f"/e/{event.slug}/register", data=form_data(100), environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert other.status_code == 302 and _count(session) == 4


def test_the_limit_is_shared_by_every_app_instance(app_settings, make_event, session):
    """Two app instances (as two worker processes would be) count together, in the database."""
    from regsvc import create_app

    settings = {**app_settings, "REGISTRATIONS_PER_ADDRESS_PER_HOUR": 2}
    event = make_event(onsite_capacity=50)
    first, second = create_app(settings), create_app(settings)
    try:
        assert first.test_client().post(f"/e/{event.slug}/register", data=form_data(1)).status_code == 302
        assert second.test_client().post(f"/e/{event.slug}/register", data=form_data(2)).status_code == 302
        assert first.test_client().post(f"/e/{event.slug}/register", data=form_data(3)).status_code == 429
    finally:
        for app in (first, second):
            app.extensions["regsvc.db"].dispose()


def test_a_storm_of_wrong_links_is_slowed_but_a_real_link_opens(app, client, session, make_event):
    app.config["WRONG_LINKS_PER_ADDRESS_PER_HOUR"] = 5
    event = make_event()
    client.post(f"/e/{event.slug}/register", data=form_data(1))
    token = mailed_token(app, "participant1@example.org")
    statuses = [client.get(f"/r/guess{n}/").status_code for n in range(7)]
    assert statuses == [404] * 5 + [429] * 2
    assert client.get(f"/r/{token}/").status_code == 200


def test_a_robot_filling_the_hidden_field_registers_nobody(client, session, make_event):
    event = make_event()
    response = client.post(f"/e/{event.slug}/register", data=form_data(1, website="http://spam.example"))
    assert response.status_code == 302 and "check-your-email" in response.headers["Location"]
    assert _count(session) == 0
    assert 'class="trap" aria-hidden="true"' in client.get(f"/e/{event.slug}/register").get_data(as_text=True)


def test_the_limit_is_shared_with_another_process(app, app_settings, client, session, make_event):
    """A registration made by another process (as another gunicorn worker would) counts
    towards the same limit."""
    import subprocess
    import sys
    import textwrap

    app.config["REGISTRATIONS_PER_ADDRESS_PER_HOUR"] = 2
    event = make_event(onsite_capacity=50)
    other_process = textwrap.dedent(
        f"""
        from regsvc import create_app
        from tests.conftest import form_data
        app = create_app({{**{app_settings!r}, "REGISTRATIONS_PER_ADDRESS_PER_HOUR": 2}})
        response = app.test_client().post("/e/{event.slug}/register", data=form_data("elsewhere"))
        print(response.status_code)
        app.extensions["regsvc.db"].dispose()
        """
    )
    done = subprocess.run([sys.executable, "-c", other_process], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "302", done.stderr
    assert client.post(f"/e/{event.slug}/register", data=form_data(1)).status_code == 302
    assert client.post(f"/e/{event.slug}/register", data=form_data(2)).status_code == 429
    assert _count(session) == 2
