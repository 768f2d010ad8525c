"""Who may claim travel costs, and up to how much (DESIGN §2)."""

from regsvc.claims.services import Eligibility, travel_refund
from regsvc.events.fares import parse_fares, replace_fares
from regsvc.registration.models import Attendance
from tests.registration.test_pages import mailed_token, register_by_form, text_of


def _event(make_event, session, **fields):
    event = make_event(host_town="Belgrade", **fields)
    replace_fares(session, event, parse_fares("Niš, 3600\nBeograd, 0", "RSD"), None)
    return event


def test_onsite_from_a_town_in_the_table_gets_its_return_fare_as_cap(session, make_event, make_registration):
    event = _event(make_event, session)
    refund = travel_refund(session, make_registration(event, departure_town="NIS").registration)
    assert refund.eligibility == Eligibility.ELIGIBLE and refund.eligible and refund.cap == 360000


def test_a_town_missing_from_the_table_leaves_the_cap_to_finance(session, make_event, make_registration):
    event = _event(make_event, session)
    refund = travel_refund(session, make_registration(event, departure_town="Bor").registration)
    assert (
        refund.eligibility == Eligibility.ELIGIBLE_CAP_BY_FINANCE and refund.eligible and refund.cap is None
    )


def test_host_town_residents_cannot_claim(session, make_event, make_registration):
    event = _event(make_event, session, onsite_capacity=10)
    for town in ("Belgrade", "belgrade ", "Beograd", "Београд"):
        refund = travel_refund(session, make_registration(event, departure_town=town).registration)
        assert refund.eligibility == Eligibility.HOST_TOWN and not refund.eligible, town


def test_the_host_town_is_known_by_its_name_in_each_of_the_events_languages(
    session, make_event, make_registration
):
    event = make_event(host_town="Skopje", onsite_capacity=10, travel_reimbursed=True)
    event.translations = {"sq": {"host_town": "Shkup"}, "sr_Latn": {"host_town": "Skoplje"}}
    session.commit()
    for town in ("Shkup", "Skoplje", "Скопје", "skopje"):
        refund = travel_refund(session, make_registration(event, departure_town=town).registration)
        assert refund.eligibility == Eligibility.HOST_TOWN, town
    assert travel_refund(session, make_registration(event, departure_town="Tetovë").registration).eligible


def test_online_and_waiting_participants_cannot_claim(session, make_event, make_registration):
    event = _event(make_event, session, onsite_capacity=0)
    online = make_registration(event, wanted=Attendance.ONLINE, departure_town="Niš").registration
    waiting = make_registration(event, departure_town="Niš").registration
    assert travel_refund(session, online).eligibility == Eligibility.NOT_ONSITE
    assert travel_refund(session, waiting).eligibility == Eligibility.NOT_ONSITE


def test_nothing_is_refunded_when_the_event_does_not_reimburse(session, make_event, make_registration):
    event = _event(make_event, session, travel_reimbursed=False)
    assert (
        travel_refund(session, make_registration(event).registration).eligibility
        == Eligibility.NOT_REIMBURSED
    )


def test_the_private_page_says_why_or_how_much(client, session, make_event):
    event = _event(make_event, session)

    def page_for(n, **fields):
        register_by_form(client, event, n, **fields)
        return text_of(client.get(f"/r/{mailed_token(client.application, f'participant{n}@example.org')}/"))

    assert "refund your travel up to 3,600.00 RSD" in page_for(1, departure_town="Niš")
    assert "not in the organisers' fare table" in page_for(2, departure_town="Bor")
    assert "so no travel costs are refunded" in page_for(3, departure_town="Beograd")
    assert "refunded to on-site participants" in page_for(4, departure_town="Niš", attendance="online")
