"""An event's texts on its pages and in its e-mails, in the reader's language; the organiser
giving them in several languages."""

import pytest
from sqlalchemy import select

from regsvc.audit.models import AuditEntry
from regsvc.claims.services import Eligibility, travel_refund
from regsvc.demo import load_demo_data
from regsvc.events.fares import fare_for, fare_towns, read_fare_table, replace_fares
from regsvc.events.models import Event
from regsvc.mail.models import OutboxMessage
from regsvc.registration.models import Registration
from regsvc.storage import current_storage
from tests.conftest import fresh, sign_in
from tests.console.test_pages import event_form
from tests.event_texts.test_texts import fare
from tests.registration.test_pages import text_of

LANGUAGES = ["en", "sr_Latn", "sr_Cyrl", "mk", "sq"]


@pytest.fixture
def app_settings(app_settings):
    return dict(app_settings, LANGUAGES=LANGUAGES)


@pytest.fixture
def event(make_event):
    return make_event(
        title="Druga nacionalna konferencija za Srbiju",
        description="Fokus panel diskusije je uloga civilnog društva.",
        host_town="Beograd",
        main_language="sr_Latn",
        translations={
            "en": {
                "title": "Second National Conference for Serbia",
                "description": "Civil society in crises.",
            },
            "mk": {"title": "Втора национална конференција за Србија", "host_town": "Белград"},
        },
    )


@pytest.mark.parametrize(
    ("language", "title", "description"),
    [
        (
            "sr-Latn",
            "Druga nacionalna konferencija za Srbiju",
            "Fokus panel diskusije je uloga civilnog društva.",
        ),
        ("en", "Second National Conference for Serbia", "Civil society in crises."),
        # No Macedonian description: the Serbian one, never an empty page.
        ("mk", "Втора национална конференција за Србија", "Fokus panel diskusije je uloga civilnog društva."),
    ],
)
def test_the_event_page_is_in_the_readers_language(client, event, language, title, description):
    page = text_of(client.get(f"/e/{event.slug}/", headers={"Accept-Language": language}))
    assert f"{title} " in page and description in page
    listing = text_of(client.get("/", headers={"Accept-Language": language}))
    assert title in listing
    form = text_of(client.get(f"/e/{event.slug}/register", headers={"Accept-Language": language}))
    assert title in form


def test_the_host_town_is_named_in_the_readers_language(client, event):
    assert "Белград" in text_of(client.get(f"/e/{event.slug}/", headers={"Accept-Language": "mk"}))
    assert "Beograd" in text_of(client.get(f"/e/{event.slug}/", headers={"Accept-Language": "en"}))


def test_an_email_to_a_macedonian_registration_carries_the_macedonian_title(client, session, event):
    response = client.post(
        f"/e/{event.slug}/register",
        data={
            "full_name": "Ана Петровска",
            "email": "ana@example.org",
            "organisation": "CRPM",
            "position": "Programme officer",
            "departure_town": "Skopje",
            "attendance": "onsite",
            "when_full": "waitlist",
            "consent_data": "y",
        },
        headers={"Accept-Language": "mk"},
    )
    assert response.status_code == 303 or response.status_code == 302
    registration = session.scalars(select(Registration)).one()
    assert registration.locale == "mk"
    mail = session.scalars(select(OutboxMessage)).one()
    assert "Втора национална конференција за Србија" in mail.subject
    assert "Втора национална конференција за Србија" in mail.body


# --- the organiser's console ------------------------------------------------------------


@pytest.fixture
def signed_in(client, organiser):
    sign_in(client, organiser)
    return client


def test_the_organiser_gives_texts_in_two_languages_and_sees_them_back(signed_in, session, make_event):
    event = make_event(slug="forum", title="Regional Forum")
    data = event_form(
        slug="forum",
        title="Regionalni forum",
        description="Dva panela.",
        main_language="sr_Latn",
        title_en="Regional Forum on Civic Space",
        description_en="Two panels.",
        title_mk="Регионален форум",
        host_town_mk="Белград",
    )
    del data["onsite_capacity"]
    assert signed_in.post(f"/staff/events/{event.id}/edit", data=data).status_code == 302
    fresh(session)
    saved = session.get(Event, event.id)
    assert saved.main_language == "sr_Latn" and saved.title == "Regionalni forum"
    assert saved.translations == {
        "en": {"title": "Regional Forum on Civic Space", "description": "Two panels."},
        "mk": {"title": "Регионален форум", "host_town": "Белград"},
    }
    page = signed_in.get(f"/staff/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="Regional Forum on Civic Space"' in page and "Two panels.</textarea>" in page
    assert 'value="Регионален форум"' in page
    assert '<option selected value="sr_Latn">' in page
    changes = (
        session.scalars(select(AuditEntry).where(AuditEntry.action == "event.edited"))
        .one()
        .details["changes"]
    )
    assert changes["title_en"] == ["", "Regional Forum on Civic Space"]
    assert changes["main_language"] == ["en", "sr_Latn"]
    # The Macedonian title given up: Macedonian readers get the main title again.
    data.update(title_mk="")
    assert signed_in.post(f"/staff/events/{event.id}/edit", data=data).status_code == 302
    fresh(session)
    assert session.get(Event, event.id).translations["mk"] == {"host_town": "Белград"}
    page = text_of(signed_in.get("/e/forum/", headers={"Accept-Language": "mk"}))
    assert "Regionalni forum" in page


def test_a_new_event_is_created_with_its_texts_in_other_languages(signed_in, session):
    data = event_form(
        main_language="mk", title="Регионален форум", title_en="Regional Forum", title_sq="Forumi"
    )
    assert signed_in.post("/staff/events/new", data=data).status_code == 302
    event = session.scalar(select(Event).where(Event.slug == "regional-forum"))
    assert event.main_language == "mk"
    assert event.translations == {"en": {"title": "Regional Forum"}, "sq": {"title": "Forumi"}}


def test_bad_input_changes_nothing_and_keeps_what_was_typed(signed_in, session, event):
    before = dict(event.translations)
    data = event_form(
        slug=event.slug,
        main_language="sr_Latn",
        title=event.title,
        title_en="x" * 201,  # too long
        description_mk="Опис на македонски",
        title_sr_Latn="Naslov",  # the main language's texts belong at the top
    )
    del data["onsite_capacity"]
    response = signed_in.post(f"/staff/events/{event.id}/edit", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Field cannot be longer than 200 characters." in html
    assert "Опис на македонски</textarea>" in html and 'value="Naslov"' in html
    assert "is the main language: its texts are the ones at the top" in html
    fresh(session)
    assert session.get(Event, event.id).translations == before
    assert not session.scalars(select(AuditEntry).where(AuditEntry.action == "event.edited")).all()


def test_the_edit_form_offers_no_section_for_the_main_language(signed_in, event):
    html = signed_in.get(f"/staff/events/{event.id}/edit").get_data(as_text=True)
    assert 'name="title_en"' in html and 'name="title_mk"' in html and 'name="title_sq"' in html
    assert 'name="title_sr_Latn"' not in html
    assert '<details class="language-texts" open>' in html  # English and Macedonian hold texts


# --- the fare table's names -------------------------------------------------------------


def test_the_organiser_names_the_towns_in_other_languages(signed_in, session, make_event):
    event = make_event(main_language="mk", host_town="Скопје", currency="MKD")
    response = signed_in.post(
        f"/staff/events/{event.id}/fares",
        data={
            "lines": "Скопје, 0\nТетово, 400\nБитола, 1100",
            "names_sq": "Скопје = Shkup\nТетово = Tetovë\nБитола =",
            "names_en": "Битола = Bitola",
        },
    )
    assert response.status_code == 302
    assert fare(session, event, "Tetovë").return_fare == 40000
    page = signed_in.get(f"/staff/events/{event.id}/fares").get_data(as_text=True)
    assert "Тетово = Tetovë\n" in page and "Битола =\n" in page  # ready for the missing name
    assert "Shkup" in text_of(signed_in.get(f"/staff/events/{event.id}/fares"))
    assert 'name="names_mk"' not in page  # the main language's names are the table's


def test_bad_town_names_save_nothing_and_keep_what_was_typed(signed_in, session, make_event):
    event = make_event(main_language="mk", host_town="Скопје", currency="MKD")
    replace_fares(session, event, read_fare_table("Тетово, 400", {}, "MKD"), None)
    response = signed_in.post(
        f"/staff/events/{event.id}/fares",
        data={"lines": "Тетово, 500\nБитола, 1100", "names_sq": "Тетово = Tetovë\nOhrid = Ohër"},
    )
    assert response.status_code == 422
    page = text_of(response)
    assert (
        "Nothing was saved" in page and "Names in Albanian, line 2: Ohrid is not in the fare table." in page
    )
    assert "Ohrid = Ohër</textarea>" in response.get_data(as_text=True)
    fresh(session)
    assert fare(session, event, "Тетово").return_fare == 40000
    assert fare_for(session, event.id, "Tetovë") is None


def test_a_claim_from_a_town_typed_in_albanian_gets_its_fare(session, make_event, make_registration):
    event = make_event(main_language="mk", host_town="Скопје", currency="MKD")
    names = {"sq": "Скопје = Shkup\nТетово = Tetovë"}
    replace_fares(session, event, read_fare_table("Скопје, 0\nТетово, 400", names, "MKD"), None)
    from_tetovo = make_registration(event, departure_town="Tetovë").registration
    assert travel_refund(session, from_tetovo).cap == 40000
    from_skopje = make_registration(event, departure_town="Shkup").registration
    assert travel_refund(session, from_skopje).eligibility == Eligibility.HOST_TOWN


# --- the demo ---------------------------------------------------------------------------


def test_the_demo_events_have_their_texts_in_serbian_macedonian_and_english(session):
    list(load_demo_data(session, current_storage()))
    events = {event.slug: event for event in session.scalars(select(Event))}
    belgrade, skopje = events["national-conference-serbia"], events["national-conference-north-macedonia"]
    assert belgrade.main_language == "sr_Latn" and belgrade.title.startswith("Druga nacionalna konferencija")
    assert set(belgrade.translations) == {"en", "mk"}
    assert skopje.main_language == "mk" and skopje.title.startswith("Втора национална конференција")
    assert set(skopje.translations) == {"en", "sr_Latn"}
    for event in (belgrade, skopje):
        for texts in event.translations.values():
            assert set(texts) == {"title", "description", "host_town", "venue_address", "stream_details"}
    assert fare(session, skopje, "Shkup").return_fare == 0
    assert fare(session, skopje, "Kumanovë").return_fare == 30000
    assert fare(session, belgrade, "Ниш").return_fare == 360000
    assert "Белград" in fare_towns(session, belgrade, "mk") and "Београд" in fare_towns(
        session, belgrade, "sr_Cyrl"
    )
    assert "Битола" in fare_towns(session, skopje, "mk") and "Manastir" in fare_towns(session, skopje, "sq")
