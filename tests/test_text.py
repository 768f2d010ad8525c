"""Names as people in the region write them: a search finds a name across scripts and the
usual ASCII spellings, in both directions (issue 11)."""

import pytest
from alembic import command
from sqlalchemy import text

from regsvc.events.fares import parse_fares, replace_fares
from regsvc.migrating import FORCE_ATTRIBUTE, alembic_config
from regsvc.registration.queries import find_registrations
from regsvc.text import search_key

# (what someone types, how the name is stored): each must find the other.
SPELLINGS = [
    ("Djordje", "Ђорђе"),
    ("Djordje", "Đorđe"),
    ("Đorđe", "Ђорђе"),
    ("Kjosevska", "Ќосевска"),
    ("Gjorgji", "Ѓорѓи"),
    ("Dzemal", "Џемал"),
    ("Dzemal", "Džemal"),
    ("Džemal", "Џемал"),
    ("Ljubica", "Љубица"),
    ("gradjana", "građana"),
    ("Njegoš", "Његош"),
    ("Cacak", "Čačak"),
    ("Ćirić", "Ћирић"),
]


@pytest.mark.parametrize(("typed", "stored"), SPELLINGS)
def test_a_search_finds_the_name_however_it_is_typed(typed, stored):
    assert search_key(typed) in search_key(f"Ana {stored} Beograd")
    assert search_key(stored) in search_key(f"Ana {typed} Beograd")


def test_different_names_stay_different():
    assert search_key("Ilić") != search_key("Lilić")
    assert search_key("Kostić") not in search_key("Stojanović")


@pytest.mark.parametrize(
    ("typed", "stored"), [("Djordje", "Ђорђе Петровић"), ("Kjosevska", "Марија Ќосевска")]
)
def test_the_registration_list_finds_them(session, make_event, make_registration, typed, stored):
    event = make_event()
    make_registration(event, full_name=stored)
    make_registration(event, full_name="Someone Else")
    found = find_registrations(session, event.id, query=typed)
    assert [registration.full_name for registration in found.items] == [stored]


def test_the_migration_refolds_keys_stored_before_it(
    app, session, database_url, make_event, make_registration
):
    event = make_event()
    replace_fares(session, event, parse_fares("Gjilan, 1200", "RSD"), None)
    make_registration(event, full_name="Djordje Kjosevski")
    with session.begin():  # the keys as the folding before 0015 stored them
        session.execute(text("UPDATE fares SET town_key = 'gjilan'"))
        session.execute(text("UPDATE registrations SET search_text = 'djordje kjosevski crpm'"))
    config = alembic_config(database_url)
    config.attributes[FORCE_ATTRIBUTE] = True  # later revisions' columns hold this test's data
    command.downgrade(config, "0014")
    command.upgrade(config, "head")
    assert session.execute(text("SELECT town_key FROM fares")).scalars().all() == [search_key("Gjilan")]
    assert session.execute(text("SELECT search_text FROM registrations")).scalars().all() == [
        "dorde kosevski crpm"
    ]
    session.commit()
