"""An event's texts in the reader's language, falling back to its main language."""

import pytest
from flask_babel import force_locale

from regsvc.events.fares import (
    FareTableError,
    fare_for,
    fare_towns,
    is_host_town,
    read_fare_table,
    replace_fares,
)
from regsvc.events.models import Fare
from regsvc.events.services import published_event
from regsvc.events.texts import event_text, localized, merged_translations

SERBIAN_TITLE = "Druga nacionalna konferencija za Srbiju"
ENGLISH_TITLE = "Second National Conference for Serbia"
MACEDONIAN_TITLE = "Втора национална конференција за Србија"


@pytest.fixture
def serbian_event(make_event):
    return make_event(
        title=SERBIAN_TITLE,
        description="Fokus panel diskusije je uloga organizacija civilnog društva.",
        venue_name="Hotel Mona Plaza",
        host_town="Beograd",
        main_language="sr_Latn",
        translations={
            "en": {"title": ENGLISH_TITLE, "host_town": "Belgrade"},
            "mk": {"title": MACEDONIAN_TITLE, "description": "Фокусот е улогата на граѓанските организации."},
        },
    )


def test_each_reader_gets_the_text_of_their_language(serbian_event):
    assert event_text(serbian_event, "title", "sr_Latn") == SERBIAN_TITLE
    assert event_text(serbian_event, "title", "en") == ENGLISH_TITLE
    assert event_text(serbian_event, "title", "mk") == MACEDONIAN_TITLE
    assert event_text(serbian_event, "host_town", "en") == "Belgrade"


def test_a_missing_translation_falls_back_to_the_main_language_never_to_nothing(serbian_event):
    # English has a title but no description; Albanian has nothing at all.
    assert event_text(serbian_event, "description", "en") == serbian_event.description
    assert event_text(serbian_event, "title", "sq") == SERBIAN_TITLE
    assert event_text(serbian_event, "venue_name", "mk") == "Hotel Mona Plaza"
    for locale in ("en", "sr_Latn", "sr_Cyrl", "mk", "sq"):
        for field in ("title", "description", "venue_name", "host_town"):
            assert event_text(serbian_event, field, locale)


def test_serbian_in_the_other_script_reads_the_serbian_text(make_event):
    event = make_event(
        title="Main in English",
        main_language="en",
        translations={"sr_Latn": {"title": "Konferencija"}},
    )
    assert event_text(event, "title", "sr_Cyrl") == "Konferencija"
    latin_main = make_event(
        title="Konferencija", main_language="sr_Latn", translations={"en": {"title": "Conf"}}
    )
    assert event_text(latin_main, "title", "sr_Cyrl") == "Konferencija"


def test_locales_are_read_however_they_are_written(serbian_event):
    assert event_text(serbian_event, "title", "sr-Latn") == SERBIAN_TITLE
    assert event_text(serbian_event, "title", "en_GB") == ENGLISH_TITLE  # English all the same
    assert event_text(serbian_event, "title", "en-US") == ENGLISH_TITLE


def test_without_a_locale_the_language_being_written_is_used(app, serbian_event):
    with app.test_request_context(), force_locale("mk"):
        assert event_text(serbian_event, "title") == MACEDONIAN_TITLE
        event = localized(serbian_event)
        assert event.title == MACEDONIAN_TITLE
        assert event.timezone == serbian_event.timezone and event.slug == serbian_event.slug
    assert localized(serbian_event, "en").host_town == "Belgrade"


def test_the_public_row_of_an_event_reads_the_same(session, serbian_event):
    row, _seats = published_event(session, serbian_event.slug)
    assert event_text(row, "title", "mk") == MACEDONIAN_TITLE
    assert event_text(row, "description", "en") == serbian_event.description


def test_merging_keeps_other_languages_and_drops_empty_texts_and_the_main_language():
    kept = {"en": {"title": "Old", "description": "Kept?"}, "sq": {"title": "Konferenca"}}
    given = {"en": {"title": "New"}, "mk": {}, "sr_Latn": {"title": "Glavni"}}
    assert merged_translations(kept, given, "sr_Latn") == {
        "en": {"title": "New"},
        "sq": {"title": "Konferenca"},
    }
    assert merged_translations({}, {"en": {"title": "", "bogus": "x"}}, "mk") == {}


# --- the fare table's towns in several languages ---------------------------------------

MACEDONIAN_TABLE = "Скопје, 0\nТетово, 400\nБитола, 1100\n"
ALBANIAN_NAMES = "Скопје = Shkup\nТетово = Tetovë\nБитола = Manastir\n"


@pytest.fixture
def skopje_event(session, make_event):
    event = make_event(host_town="Скопје", currency="MKD", main_language="mk")
    lines = read_fare_table(MACEDONIAN_TABLE, {"sq": ALBANIAN_NAMES, "en": "Битола = Bitola\n"}, "MKD")
    replace_fares(session, event, lines, None)
    return event


def fare(session, event, town: str) -> Fare:
    found = fare_for(session, event.id, town)
    assert found is not None, town
    return found


def test_a_fare_is_found_by_any_name_of_its_town(session, skopje_event):
    assert fare(session, skopje_event, "Tetovë").return_fare == 40000
    assert fare(session, skopje_event, "tetove").return_fare == 40000  # typed without the ë
    assert fare(session, skopje_event, "Manastir").town == "Битола"
    assert fare(session, skopje_event, "Shkup").return_fare == 0  # the host town: no refund
    assert fare_for(session, skopje_event.id, "Zagreb") is None


def test_cyrillic_and_latin_spellings_need_no_names_of_their_own(session, skopje_event, make_event):
    # search_key folds Serbian and Macedonian Cyrillic to Latin: Tetovo, Bitola, Skopje match.
    assert fare(session, skopje_event, "Tetovo").return_fare == 40000
    assert fare(session, skopje_event, "skopje").return_fare == 0
    belgrade = make_event()
    replace_fares(session, belgrade, read_fare_table("Niš, 3600\nČačak, 2600", {}, "RSD"), None)
    assert fare(session, belgrade, "Ниш").return_fare == 360000
    assert fare(session, belgrade, "Чачак").return_fare == 260000


def test_the_host_town_is_known_by_its_name_in_each_language(serbian_event):
    assert is_host_town(serbian_event, "beograd") and is_host_town(serbian_event, "Београд")
    assert is_host_town(serbian_event, " Belgrade ")  # its English name
    assert not is_host_town(serbian_event, "Niš") and not is_host_town(serbian_event, "")


def test_the_suggested_towns_are_named_in_the_readers_language(session, skopje_event):
    assert fare_towns(session, skopje_event, "sq") == ["Manastir", "Shkup", "Tetovë"]
    assert fare_towns(session, skopje_event, "en") == ["Bitola", "Скопје", "Тетово"]
    assert fare_towns(session, skopje_event, "mk") == ["Битола", "Скопје", "Тетово"]


def test_bad_name_lines_are_reported_by_language_and_line(app):
    typed = "Скопје = Shkup\nOhrid = Ohër\nТетово = Битола\nСкопје = Shkupi\nno equals sign\nБитола = \n"
    with app.test_request_context(), pytest.raises(FareTableError) as refused:
        read_fare_table(MACEDONIAN_TABLE, {"sq": typed}, "MKD")
    messages = [message for _line, message in refused.value.problems]
    assert messages == [
        "Names in Albanian, line 2: Ohrid is not in the fare table.",
        "Names in Albanian, line 3: Битола is already a name of Битола.",
        "Names in Albanian, line 4: Скопје is already named on line 1.",
        "Names in Albanian, line 5: Write the town as in the table, “=”, then its other name, like: Niš = Ниш.",
    ]
