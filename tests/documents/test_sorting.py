"""Lists are sorted by surname in the alphabet of the list's language, Latin and Cyrillic
spellings of a name side by side. Each order below is written by hand."""

import pytest

from regsvc.documents.attendance import sort_by_surname
from regsvc.text import surname
from tests.documents.helpers import row

# The same people in both scripts, and the letters each alphabet has of its own.
MIXED = [
    "Željko Živković",
    "Marko Colić",
    "Ђорђе Ђурић",
    "Ana Čolić",
    "Dragan Dimić",
    "Petar Ćirić",
    "Ivan Cvetković",
    "Đorđe Đurić",
    "Jovan Džajić",
    "Џемал Џаковић",
    "Lazar Ljubić",
    "Љубица Љубић",
    "Milan Lukić",
    "Ненад Његош",
    "Nikola Nikolić",
    "Šefika Šarić",
    "Sanja Savić",
    "Ѓорѓи Андоновски",
    "Ана Стојановска",
    "Teuta Shala",
]


def names(rows):
    return [r.full_name for r in rows]


def test_surname_is_the_last_word():
    assert surname("Ana van der Berg") == "Berg"
    assert surname("  Đorđe   Đurić ") == "Đurić"
    assert surname("Teuta") == "Teuta"
    assert surname("") == ""


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            # a b c č ć d dž đ e … l lj m n nj … s š t … z ž
            "sr_Latn",
            [
                "Ѓорѓи Андоновски",
                "Marko Colić",
                "Ivan Cvetković",
                "Ana Čolić",
                "Petar Ćirić",
                "Dragan Dimić",
                "Jovan Džajić",  # dž-a-j
                "Џемал Џаковић",  # dž-a-k
                "Đorđe Đurić",  # Đ: Đorđe and Ђорђе are one name (the same in Latin first)
                "Ђорђе Ђурић",
                "Milan Lukić",
                "Lazar Ljubić",  # lj after l
                "Љубица Љубић",
                "Nikola Nikolić",
                "Ненад Његош",  # nj after n
                "Sanja Savić",
                "Teuta Shala",
                "Ана Стојановска",
                "Šefika Šarić",  # š after s
                "Željko Živković",
            ],
        ),
        (
            # а б в г д ђ е ж з и ј к л љ м н њ о п р с т ћ у ф х ц ч џ ш
            "sr_Cyrl",
            [
                "Ѓорѓи Андоновски",
                "Dragan Dimić",
                "Đorđe Đurić",
                "Ђорђе Ђурић",
                "Željko Živković",
                "Milan Lukić",
                "Lazar Ljubić",
                "Љубица Љубић",
                "Nikola Nikolić",
                "Ненад Његош",
                "Sanja Savić",
                "Ана Стојановска",
                "Teuta Shala",  # Схала: х after т
                "Petar Ćirić",  # ћ after т
                "Ivan Cvetković",  # ц
                "Marko Colić",
                "Ana Čolić",  # ч after ц
                "Jovan Džajić",  # џ after ч
                "Џемал Џаковић",
                "Šefika Šarić",  # ш last
            ],
        ),
        (
            # а б в г д ѓ е ж з ѕ и ј к л љ м н њ о п р с т ќ у ф х ц ч џ ш
            "mk",
            [
                "Ѓорѓи Андоновски",
                "Dragan Dimić",
                "Đorđe Đurić",  # Ѓуриќ, as Macedonian writes Đ
                "Ђорђе Ђурић",
                "Željko Živković",
                "Milan Lukić",
                "Lazar Ljubić",
                "Љубица Љубић",
                "Nikola Nikolić",
                "Ненад Његош",
                "Sanja Savić",
                "Ана Стојановска",
                "Teuta Shala",
                "Petar Ćirić",  # Ќириќ: ќ after т
                "Ivan Cvetković",
                "Marko Colić",
                "Ana Čolić",
                "Jovan Džajić",
                "Џемал Џаковић",
                "Šefika Šarić",
            ],
        ),
        (
            # a b c ç d dh e ë … s sh t th … z zh; č, ć, đ, š, ž are c, c, d, s, z
            "sq",
            [
                "Ѓорѓи Андоновски",
                "Petar Ćirić",  # c-i
                "Ana Čolić",  # c-o, then the first name
                "Marko Colić",
                "Ivan Cvetković",
                "Dragan Dimić",
                "Đorđe Đurić",  # d-u: Ђ is Đ
                "Ђорђе Ђурић",
                "Jovan Džajić",  # d-z
                "Џемал Џаковић",
                "Lazar Ljubić",  # l-j
                "Љубица Љубић",
                "Milan Lukić",
                "Nikola Nikolić",  # n-i before nj
                "Ненад Његош",
                "Šefika Šarić",  # s-a
                "Sanja Savić",
                "Ана Стојановска",  # s-t
                "Teuta Shala",  # sh after s
                "Željko Živković",
            ],
        ),
        (
            # a to z, accents only between names otherwise equal
            "en",
            [
                "Ѓорѓи Андоновски",
                "Petar Ćirić",
                "Ana Čolić",
                "Marko Colić",
                "Ivan Cvetković",
                "Dragan Dimić",
                "Đorđe Đurić",
                "Ђорђе Ђурић",
                "Jovan Džajić",
                "Џемал Џаковић",
                "Lazar Ljubić",
                "Љубица Љубић",
                "Milan Lukić",  # l-u after l-j
                "Nikola Nikolić",  # n-i before n-j
                "Ненад Његош",
                "Šefika Šarić",
                "Sanja Savić",
                "Teuta Shala",
                "Ана Стојановска",
                "Željko Živković",
            ],
        ),
    ],
)
def test_one_alphabet_whatever_the_script(locale, expected):
    assert names(sort_by_surname((row(n) for n in MIXED), locale)) == expected


def test_a_list_follows_the_language_in_force(app):
    from flask_babel import force_locale

    given = [row("Ana Čolić"), row("Marko Cvetković")]
    with force_locale("sr_Latn"):
        assert names(sort_by_surname(given)) == ["Marko Cvetković", "Ana Čolić"]
    with force_locale("en"):
        assert names(sort_by_surname(given)) == ["Ana Čolić", "Marko Cvetković"]


def test_case_does_not_matter_and_plain_comes_before_accented_when_all_else_is_equal():
    given = ["Ana ĆIRIĆ", "ana ciric", "Ana Ciric", "Bojan ćirić"]
    assert names(sort_by_surname((row(n) for n in given), "en")) == [
        "Ana Ciric",
        "ana ciric",
        "Ana ĆIRIĆ",
        "Bojan ćirić",
    ]


def test_digraphs_are_one_letter_in_every_case():
    given = ["A LJUBIĆ", "A Lukić", "A Ljubić", "A ljubić", "A Lazić"]
    assert names(sort_by_surname((row(n) for n in given), "sr_Latn")) == [
        "A Lazić",
        "A Lukić",
        "A LJUBIĆ",
        "A Ljubić",
        "A ljubić",
    ]


def test_macedonian_letters_of_its_own_and_their_latin_spellings():
    given = [
        "А Кралевски",
        "A Kjosev",
        "А Ќосева",
        "А Танев",
        "А Ѕвездаковски",
        "A Zdravkovski",
        "A Gjorgjiev",
    ]
    assert names(sort_by_surname((row(n) for n in given), "mk")) == [
        "A Gjorgjiev",  # ѓ after д
        "A Zdravkovski",  # з
        "А Ѕвездаковски",  # ѕ after з
        "А Кралевски",
        "А Танев",
        "A Kjosev",  # ќ after т
        "А Ќосева",
    ]


def test_a_language_without_an_alphabet_of_its_own_is_ordered_as_english():
    given = [row("Ana Čolić"), row("Marko Cvetković")]
    assert names(sort_by_surname(given, "de")) == ["Ana Čolić", "Marko Cvetković"]
    assert names(sort_by_surname(given, "sr")) == ["Marko Cvetković", "Ana Čolić"]
