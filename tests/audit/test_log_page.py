"""The audit log page: filters by event, who, what and day (in the staff time zone), pages that
keep the filters, and filter values it does not understand left out with a word of why."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from regsvc.audit.models import AuditEntry
from regsvc.audit.services import PAGE_SIZE, PARTICIPANT, SYSTEM
from tests.conftest import sign_in
from tests.registration.test_pages import text_of

NOON = datetime(2031, 6, 20, 10, 0, tzinfo=UTC)
# Recorded when the test's organiser account is made (on the day the test runs).
ORGANISER_CREATED = "The system created the staff account organiser@example.org, as organiser."


@pytest.fixture
def signed_in(client, organiser):
    sign_in(client, organiser)
    return client


@pytest.fixture
def add(session):
    """Add an audit entry as it was written at `at` (the log's own function writes it now)."""

    def add(action, *, at=NOON, event=None, actor=None, label=None, **details) -> AuditEntry:
        entry = AuditEntry(
            at=at,
            actor_id=actor.id if actor else None,
            actor_label=label or (actor.label if actor else SYSTEM),
            action=action,
            event_id=event.id if event else None,
            details=details,
        )
        session.add(entry)
        session.commit()
        return entry

    return add


def sentences_on(response) -> list[str]:
    page = response.get_data(as_text=True)
    return [html.unescape(text) for text in re.findall(r'<p class="audit-sentence">(.*?)</p>', page)]


def test_entries_of_one_event(signed_in, add, make_event):
    forum, summit = make_event(title="Forum"), make_event(title="Summit")
    add("registration.opened", event=forum)
    add("registration.closed", event=summit)
    response = signed_in.get(f"/staff/audit/?event={forum.id}")
    assert sentences_on(response) == ["The system opened registration for Forum."]
    page = response.get_data(as_text=True)
    # Among the event's own pages, with the log marked as the one shown.
    assert re.search(r'href="/staff/audit/\?event=\d+"\s*aria-current="page">Audit log</a>', page)
    assert f'<option selected value="{forum.id}">Forum</option>' in page
    assert sentences_on(signed_in.get("/staff/audit/?since=2031-06-20&until=2031-06-20")) == [
        "The system closed registration for Summit.",
        "The system opened registration for Forum.",
    ]


def test_entries_by_one_person_by_participants_or_by_the_system(
    signed_in, add, make_event, organiser, make_user
):
    event = make_event(title="Forum")
    other = make_user("organiser", email="marko@example.org")
    add("registration.opened", event=event, actor=organiser)
    add("registration.closed", event=event, actor=other)
    add("claim.opened", event=event, label=PARTICIPANT)
    add("reminders.sent", event=event, recipients=40)
    assert sentences_on(signed_in.get(f"/staff/audit/?actor={other.id}")) == [
        "marko (marko@example.org) closed registration for Forum."
    ]
    assert sentences_on(signed_in.get("/staff/audit/?actor=system")) == [
        "The reminder before Forum went to 40 participants.",
        "The system created the staff account marko@example.org, as organiser.",
        ORGANISER_CREATED,
    ]
    assert len(sentences_on(signed_in.get("/staff/audit/?actor=participant"))) == 1


def test_entries_of_one_kind(signed_in, add, make_event, organiser):
    event = make_event(title="Forum")
    add("capacity.changed", event=event, actor=organiser, before=3, after=5)
    add("user.two_step_on", actor=organiser)
    add("checkin", event=event, actor=organiser, name="Marija Petrović")
    assert sentences_on(signed_in.get("/staff/audit/?kind=staff")) == [
        "organiser (organiser@example.org) turned on two-step sign-in.",
        ORGANISER_CREATED,
    ]
    assert sentences_on(signed_in.get("/staff/audit/?kind=registrations")) == [
        "organiser (organiser@example.org) checked in Marija Petrović."
    ]
    assert sentences_on(signed_in.get("/staff/audit/?kind=events")) == [
        "organiser (organiser@example.org) changed the on-site capacity of Forum from 3 to 5."
    ]


def test_days_are_those_of_the_staff_time_zone(app, signed_in, add, make_event):
    app.config["STAFF_TIMEZONE"] = "Europe/Belgrade"  # UTC+2 in summer
    event = make_event(title="Forum")
    add("registration.opened", event=event, at=datetime(2031, 6, 30, 21, 30, tzinfo=UTC))  # 30 June, 23:30
    add("registration.closed", event=event, at=datetime(2031, 6, 30, 22, 30, tzinfo=UTC))  # 1 July, 00:30
    add("registration.opened", event=event, at=datetime(2031, 7, 2, 9, 0, tzinfo=UTC))
    assert sentences_on(signed_in.get("/staff/audit/?since=2031-07-01&until=2031-07-01")) == [
        "The system closed registration for Forum."
    ]
    assert sentences_on(signed_in.get("/staff/audit/?since=2031-06-01&until=2031-06-30")) == [
        "The system opened registration for Forum."
    ]
    response = signed_in.get("/staff/audit/?since=2031-07-01")
    assert len(sentences_on(response)) == 2
    assert "1 Jul 2031, 00:30" in text_of(response)  # times shown in the same zone


def _next_page_link(response) -> dict[str, list[str]]:
    href = html.unescape(re.search(r'<a href="([^"]+)">Next →</a>', response.get_data(as_text=True)).group(1))
    return parse_qs(urlsplit(href).query)


def test_pages_keep_the_filters(signed_in, add, make_event):
    forum, summit = make_event(title="Forum"), make_event(title="Summit")
    for n in range(PAGE_SIZE * 2 + 5):
        add("checkin", event=forum, at=NOON + timedelta(minutes=n), name=f"Person {n:03d}")
        add("checkin", event=summit, at=NOON + timedelta(minutes=n), name=f"Other {n:03d}")
    add("registration.opened", event=forum)
    first = signed_in.get(f"/staff/audit/?event={forum.id}&kind=registrations&since=2031-06-01")
    assert f"{PAGE_SIZE * 2 + 5} entries, newest first." in text_of(first)
    assert "Page 1 of 3" in text_of(first)
    assert sentences_on(first)[0] == "The system checked in Person 104."  # the newest
    link = _next_page_link(first)
    assert link == {
        "event": [str(forum.id)],
        "kind": ["registrations"],
        "since": ["2031-06-01"],
        "page": ["2"],
    }
    second = signed_in.get("/staff/audit/", query_string={key: values[0] for key, values in link.items()})
    assert "Page 2 of 3" in text_of(second)
    assert sentences_on(second)[0] == f"The system checked in Person {104 - PAGE_SIZE:03d}."
    assert not any("Other" in sentence for sentence in sentences_on(second))
    # A page out of range, or not a number, shows the nearest page.
    assert "Page 3 of 3" in text_of(
        signed_in.get(f"/staff/audit/?event={forum.id}&kind=registrations&page=99")
    )
    assert "Page 1 of 3" in text_of(
        signed_in.get(f"/staff/audit/?event={forum.id}&kind=registrations&page=x")
    )


@pytest.mark.parametrize(
    ("query", "note"),
    [
        ("event=9999", "There is no such event: entries of every event are shown."),
        ("event=forum", "There is no such event: entries of every event are shown."),
        ("actor=9999", "There is no such person here: entries by anyone are shown."),
        ("actor=robots", "There is no such person here: entries by anyone are shown."),
        ("kind=secrets", "There is no such kind of change: every kind is shown."),
        ("since=2031-13-45", "That is not a date, such as 2026-06-30: no first day is used."),
        ("until=yesterday", "That is not a date, such as 2026-06-30: no last day is used."),
    ],
)
def test_a_filter_value_not_understood_is_left_out_and_said(signed_in, add, make_event, query, note):
    add("registration.opened", event=make_event(title="Forum"))
    response = signed_in.get(f"/staff/audit/?{query}&page=1")
    assert response.status_code == 200
    assert note in text_of(response)
    assert sentences_on(response) == ["The system opened registration for Forum.", ORGANISER_CREATED]
    assert "Show everything" not in text_of(response)  # nothing of it is kept for other pages


def test_days_the_wrong_way_round_are_swapped(signed_in, add, make_event):
    add("registration.opened", event=make_event(title="Forum"), at=datetime(2031, 6, 20, 10, 0, tzinfo=UTC))
    response = signed_in.get("/staff/audit/?since=2031-06-30&until=2031-06-01")
    assert "The last day was before the first: the two are swapped." in text_of(response)
    assert sentences_on(response) == ["The system opened registration for Forum."]
    page = response.get_data(as_text=True)
    assert 'value="2031-06-01"' in page and 'value="2031-06-30"' in page


def test_no_entry_matching_says_so(signed_in, add, make_event):
    add("registration.opened", event=make_event())
    assert "No entry matches these filters." in text_of(signed_in.get("/staff/audit/?kind=claims"))
    assert "Show everything" in text_of(signed_in.get("/staff/audit/?kind=claims"))
