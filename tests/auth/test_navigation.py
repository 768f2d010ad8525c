"""The staff navigation marks where the staff member is: the page shown (aria-current="page")
and, in the header, the part of the site it belongs to (aria-current="true")."""

from __future__ import annotations

import re

import pytest

from regsvc.claims.drafting import open_claim
from regsvc.roles import Role
from tests.conftest import sign_in


def marked(response, nav_class: str) -> dict[str, str]:
    """The links of a navigation marked as current: label → "page" or "true"."""
    page = response.get_data(as_text=True)
    nav = re.search(rf'<nav class="[^"]*\b{nav_class}\b[^"]*".*?</nav>', page, re.S)
    assert nav, f"no {nav_class} navigation on the page"
    return dict(
        (label.strip(), current)
        for current, label in re.findall(r'<a [^>]*aria-current="(\w+)"[^>]*>([^<]*)</a>', nav.group(0))
    )


@pytest.fixture
def organiser_client(client, organiser):
    sign_in(client, organiser)
    return client


@pytest.mark.parametrize(
    ("path", "header", "event_page"),
    [
        ("/staff/", {"Staff": "page"}, None),
        ("/staff/events/", {"Events": "page"}, None),
        ("/staff/events/{id}/", {"Events": "true"}, "Overview"),
        ("/staff/events/{id}/registrations", {"Events": "true"}, "Registrations"),
        ("/staff/events/{id}/messages", {"Events": "true"}, "Messages"),
        ("/staff/audit/?event={id}", {"Audit log": "page"}, "Audit log"),
        ("/staff/audit/", {"Audit log": "page"}, None),
        ("/staff/users", {"Staff accounts": "page"}, None),
        ("/staff/account", {"Account": "page"}, None),
        ("/staff/desk/", {"Desk": "page"}, None),
        ("/staff/desk/{id}/", {"Desk": "true"}, None),
    ],
)
def test_an_organiser_sees_where_they_are(organiser_client, make_event, path, header, event_page):
    event = make_event()
    response = organiser_client.get(path.format(id=event.id))
    assert response.status_code == 200
    assert marked(response, "staff-nav") == header
    if event_page:
        assert marked(response, "event-nav") == {event_page: "page"}


def test_the_overview_stays_marked_when_a_capacity_is_refused(
    organiser_client, make_event, make_registration
):
    event = make_event(onsite_capacity=2)
    make_registration(event)
    make_registration(event)
    response = organiser_client.post(f"/staff/events/{event.id}/capacity", data={"capacity": "1"})
    assert response.status_code == 422
    assert marked(response, "event-nav") == {"Overview": "page"}


def test_finance_sees_claims_and_payments_marked(client, session, make_user, make_event, make_registration):
    sign_in(client, make_user(Role.FINANCE))
    claim = open_claim(session, make_registration(make_event()).registration)
    assert marked(client.get("/staff/finance/"), "staff-nav") == {"Claims": "page"}
    assert marked(client.get(f"/staff/finance/claims/{claim.id}"), "staff-nav") == {"Claims": "true"}
    assert marked(client.get("/staff/finance/batches/"), "staff-nav") == {"Payments": "page"}


def test_the_header_offers_each_role_its_own_parts(client, make_user):
    sign_in(client, make_user(Role.DESK))
    page = client.get("/staff/").get_data(as_text=True)
    links = re.findall(r">([^<]+)</a>", re.search(r'<nav class="staff-nav".*?</nav>', page, re.S).group(0))
    assert [link.strip() for link in links] == ["Staff", "Desk", "Account"]
