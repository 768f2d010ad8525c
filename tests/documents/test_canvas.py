"""Text fitted to a width: shortened with an ellipsis between letters, or broken into lines."""

import unicodedata

import pytest

from regsvc.documents.canvas import (
    BOLD,
    ELLIPSIS,
    REGULAR,
    fit,
    lines,
    one_line,
    set_up_reportlab,
    whole,
    width,
)


@pytest.fixture(autouse=True, scope="module")
def fonts():
    set_up_reportlab()


def test_text_that_fits_is_left_as_it_is():
    assert fit("Ана Ристовска", REGULAR, 9, 200) == "Ана Ристовска"


@pytest.mark.parametrize("room", [20, 45, 70, 100, 140])
def test_text_too_wide_is_shortened_to_fit_with_an_ellipsis(room):
    text = "Udruženje građana „Žene juga“ – Здружение на граѓани"
    shortened = fit(text, REGULAR, 9, room)
    assert shortened.endswith(ELLIPSIS)
    assert width(shortened, REGULAR, 9) <= room
    assert text.startswith(shortened[: -len(ELLIPSIS)])
    # The longest that fits: one more letter would not.
    longer = text[: len(shortened)].rstrip() + ELLIPSIS
    assert width(longer, REGULAR, 9) > room or longer == shortened


def test_a_letter_is_never_cut_from_its_accents():
    decomposed = unicodedata.normalize("NFD", "Ćirić Đorđević Šćepanović")  # C + ´, …
    shortened = [fit(decomposed, REGULAR, 9, room) for room in range(10, 110, 3)]
    assert all(text.endswith(ELLIPSIS) for text in shortened)
    for text in shortened:
        cut = len(text) - len(ELLIPSIS)
        assert decomposed.startswith(text[:cut])
        assert not unicodedata.combining(decomposed[cut]), f"{text!r} leaves an accent behind"
    assert one_line(decomposed) == "Ćirić Đorđević Šćepanović"  # composed again, before fitting


def test_one_line_turns_control_characters_and_runs_of_spaces_into_single_spaces():
    assert one_line("  Ana\n\tPetrović\r\n  ") == "Ana Petrović"


def test_lines_break_at_spaces_and_after_hyphens_and_end_with_an_ellipsis():
    text = "Aleksandra Konstantinović-Stojanovska Vasiljević"
    room = width("Aleksandra Konstantinović-", BOLD, 13) + 1
    assert lines(text, BOLD, 13, room, 2) == ["Aleksandra Konstantinović-", "Stojanovska Vasiljević"]
    assert lines(text, BOLD, 13, room, 3) == ["Aleksandra Konstantinović-", "Stojanovska Vasiljević"]
    one = lines(text, BOLD, 13, room, 1)
    assert len(one) == 1 and one[0].endswith(ELLIPSIS) and width(one[0], BOLD, 13) <= room
    assert lines("", REGULAR, 9, 100, 3) == []


def test_a_word_longer_than_a_line_is_broken_between_letters():
    word = "Udruženjegrađanazaprevencijuikontroluzaraza"
    broken = lines(word, REGULAR, 9, 80, 3)
    assert len(broken) == 3
    assert all(width(line, REGULAR, 9) <= 80 for line in broken)
    assert "".join(broken)[: -len(ELLIPSIS)] == word[: len("".join(broken)) - len(ELLIPSIS)]


def test_whole_tells_lines_that_keep_all_the_text_and_every_word():
    text = "Aleksandra Konstantinović-Stojanovska"
    assert whole(["Aleksandra", "Konstantinović-Stojanovska"], text)
    assert whole(["Aleksandra Konstantinović-", "Stojanovska"], text)
    assert not whole(["Aleksandra Konstantin", "ović-Stojanovska"], text)  # a word cut between letters
    assert not whole(["Aleksandra", "Konstantinović-Stoj…"], text)  # shortened
    assert not whole(["Aleksandra"], text)  # something left over
