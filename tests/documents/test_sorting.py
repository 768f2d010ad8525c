"""Lists are sorted by surname, case- and accent-insensitively first."""

from regsvc.documents.attendance import sort_by_surname
from regsvc.text import surname
from tests.documents.helpers import row


def names(rows):
    return [r.full_name for r in rows]


def test_surname_is_the_last_word():
    assert surname("Ana van der Berg") == "Berg"
    assert surname("  Đorđe   Đurić ") == "Đurić"
    assert surname("Teuta") == "Teuta"
    assert surname("") == ""


def test_accented_letters_sort_with_their_base_letter():
    given = [
        "Željko Živković",
        "Marko Colić",
        "Đorđe Đurić",
        "Ana Čolić",
        "Dragan Dimić",
        "Petar Ćirić",
        "Ivan Cvetković",
        "Ana van der Berg",
        "Љубица Ристовска",
        "Ѓорѓи Андоновски",
        "Šefika Šarić",
        "Sanja Savić",
    ]
    assert names(sort_by_surname(row(n) for n in given)) == [
        "Ana van der Berg",
        "Petar Ćirić",  # c-i…
        "Ana Čolić",  # c-o…, and Ana before Marko
        "Marko Colić",
        "Ivan Cvetković",  # c-v…
        "Dragan Dimić",
        "Đorđe Đurić",  # Đ with D
        "Šefika Šarić",  # Š with S: s-a-r before s-a-v
        "Sanja Savić",
        "Željko Živković",
        "Ѓорѓи Андоновски",  # Cyrillic after Latin
        "Љубица Ристовска",
    ]


def test_case_does_not_matter_and_plain_comes_before_accented_when_all_else_is_equal():
    given = ["Ana ĆIRIĆ", "ana ciric", "Ana Ciric", "Bojan ćirić"]
    assert names(sort_by_surname(row(n) for n in given)) == [
        "Ana Ciric",
        "ana ciric",
        "Ana ĆIRIĆ",
        "Bojan ćirić",
    ]


def test_serbian_and_macedonian_cyrillic_letters_follow_their_neighbours():
    given = [
        "А Мангова",
        "А Љубеновска",
        "А Лазаревска",
        "А Ќосева",
        "А Касапинова",
        "А Ѓорѓиевски",
        "А Гавровски",
    ]
    assert names(sort_by_surname(row(n) for n in given)) == [
        "А Гавровски",
        "А Ѓорѓиевски",  # Ѓ with Г (an accented letter, like Ć)
        "А Касапинова",
        "А Ќосева",
        "А Лазаревска",
        "А Љубеновска",  # Љ right after Л
        "А Мангова",
    ]
