"""Client tests of the public event pages."""

from datetime import UTC, datetime, timedelta

from regsvc import create_app
from regsvc.db import utcnow
from tests.registration.test_pages import text_of


def test_index_lists_upcoming_published_events_soonest_first(client, make_event):
    later = make_event(
        title="Later conference",
        starts_at=utcnow() + timedelta(days=60),
        ends_at=utcnow() + timedelta(days=60, hours=5),
    )
    sooner = make_event(title="Sooner conference")
    make_event(title="Draft conference", is_published=False)
    make_event(
        title="Past conference",
        starts_at=utcnow() - timedelta(days=3),
        ends_at=utcnow() - timedelta(days=2),
        registration_opens_at=utcnow() - timedelta(days=30),
        registration_closes_at=utcnow() - timedelta(days=4),
    )
    page = text_of(client.get("/"))
    assert page.index(sooner.title) < page.index(later.title)
    assert "Draft conference" not in page and "Past conference" not in page


def test_event_page_shows_date_in_the_event_time_zone_venue_and_seats(client, make_event, make_registration):
    event = make_event(
        starts_at=datetime(2031, 6, 30, 9, 30, tzinfo=UTC),  # 11:30 in Belgrade (summer time)
        ends_at=datetime(2031, 6, 30, 15, 0, tzinfo=UTC),
        registration_closes_at=datetime(2031, 6, 28, 21, 0, tzinfo=UTC),
        onsite_capacity=3,
    )
    make_registration(event)
    page = text_of(client.get(f"/e/{event.slug}/"))
    assert "Monday, 30 June 2031, 11:30" in page
    assert "Europe/Belgrade" in page
    assert "Hotel Mona Plaza" in page and "Kralja Milana 27" in page
    assert "2 on-site seats left" in page
    assert "Hybrid" in page


def test_event_page_says_when_onsite_is_full(client, make_event, make_registration):
    event = make_event(onsite_capacity=1)
    make_registration(event)
    page = text_of(client.get(f"/e/{event.slug}/"))
    assert "On-site is full." in page
    assert "waiting list" in page
    assert f"/e/{event.slug}/register" in client.get(f"/e/{event.slug}/").get_data(as_text=True)


def test_event_page_before_opening_says_when_registration_opens(client, make_event):
    event = make_event(registration_opens_at=datetime(2030, 3, 1, 8, 0, tzinfo=UTC))
    page = text_of(client.get(f"/e/{event.slug}/"))
    assert "Registration opens Friday, 1 March 2030, 09:00" in page
    assert f"/e/{event.slug}/register" not in client.get(f"/e/{event.slug}/").get_data(as_text=True)


def test_privacy_notice(client):
    page = text_of(client.get("/privacy"))
    assert "Privacy notice" in page and "retention period" in page


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "storage": "ok",
        "oldest_pending_mail_seconds": None,
    }


def test_healthz_reports_an_unreachable_database(app_settings):
    app_settings["DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1"
    broken = create_app(app_settings)
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_pages_carry_security_headers(client):
    headers = client.get("/").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_the_deadline_is_shown_with_its_time_zone(client, make_event):
    event = make_event()
    page = client.get(f"/e/{event.slug}/").get_data(as_text=True)
    closes = event.registration_closes_at.astimezone(event.zone).strftime("%H:%M")
    assert f"{closes} (Europe/Belgrade)." in page
