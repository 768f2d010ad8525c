"""Dates are in the event's time zone and the reader's language; a deadline names the zone."""

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from regsvc.formatting import event_datetime


class Event:
    timezone = "Europe/Belgrade"


CLOSES = datetime(2027, 6, 28, 21, 59, tzinfo=UTC)  # 23:59 in Belgrade (summer time)


@pytest.mark.parametrize(
    ("locale", "deadline"),
    [
        ("en", "28 Jun 2027, 23:59 (Europe/Belgrade)"),
        ("sr_Latn", "28. jun 2027. 23:59 (Europe/Belgrade)"),
        ("sr_Cyrl", "28. јун 2027. 23:59 (Europe/Belgrade)"),
        ("mk", "28 јуни 2027, 23:59 (Europe/Belgrade)"),
        ("sq", "28 qer 2027, 23:59 (Europe/Belgrade)"),
    ],
)
def test_a_deadline_is_in_the_events_zone_and_the_readers_language_and_names_the_zone(app, locale, deadline):
    with force_locale(locale):
        assert event_datetime(CLOSES, Event(), "deadline") == deadline


@pytest.mark.parametrize(
    ("locale", "full"),
    [
        ("en", "Friday, 8 January 2027, 09:30"),
        ("sr_Latn", "petak, 8. januar 2027. 09:30"),
        ("sr_Cyrl", "петак, 8. јануар 2027. 09:30"),
        ("mk", "петок, 8 јануари 2027, 09:30"),
        ("sq", "e premte, 8 janar 2027, 09:30"),
    ],
)
def test_an_event_in_skopje_is_told_in_skopjes_time_in_each_language(app, locale, full):
    class Skopje:
        timezone = "Europe/Skopje"

    with force_locale(locale):
        assert event_datetime(datetime(2027, 1, 8, 8, 30, tzinfo=UTC), Skopje(), "full") == full


def test_the_closed_registration_page_gives_the_deadline_with_its_zone(client, make_event):
    event = make_event(
        registration_closes_at=CLOSES.replace(year=2020), starts_at=datetime(2030, 1, 1, tzinfo=UTC)
    )
    page = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    assert "28 Jun 2020, 23:59 (Europe/Belgrade)" in page
