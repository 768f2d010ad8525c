"""The ReportLab canvas of the bulk documents (sign-in sheet, badges): its fonts, and
text fitted to a width.

DejaVu Sans covers every script of the region (Đ Ž Ć Č Š, Љ Њ Ќ Ѓ Џ Ѕ, Albanian Ë Ç);
Debian's fonts-dejavu-core installs it. A line that does not fit its width is shortened
with an ellipsis, cut between letters, never in the middle of one (a letter and its
accents stay together).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path
from typing import BinaryIO

# The only module that imports ReportLab, which ships no type hints.
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

PAGE_WIDTH, PAGE_HEIGHT = A4  # pt
MM = 72 / 25.4  # pt
FONT_FOLDER = Path("/usr/share/fonts/truetype/dejavu")
REGULAR, BOLD, MONO = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono"
ELLIPSIS = "…"
AFTER_HYPHEN = re.compile(r"(?<=-)(?=[^-])")


def new_canvas(out: BinaryIO, title: str) -> Canvas:
    """An A4 canvas that writes its PDF to `out` when saved, its pages compressed."""
    set_up_reportlab()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    return canvas


@functools.cache
def set_up_reportlab() -> None:
    """Once per process: the fonts (each file is parsed on loading), and compressed streams
    written as they are, not also as ASCII text (ReportLab's default, slow and 25 % larger)."""
    rl_config.useA85 = 0
    for name in (REGULAR, BOLD, MONO):
        pdfmetrics.registerFont(TTFont(name, str(FONT_FOLDER / f"{name}.ttf")))


def rgb(colour: str) -> tuple[float, float, float]:
    """ "#1f5fa8" as ReportLab takes a colour."""
    return (int(colour[1:3], 16) / 255, int(colour[3:5], 16) / 255, int(colour[5:7], 16) / 255)


def one_line(text: str) -> str:
    """Text as one printed line: composed letters (so that an accent stays with its letter),
    control characters (newlines, tabs…) as spaces, runs of spaces as one."""
    text = unicodedata.normalize("NFC", text)
    if text.isprintable() and "  " not in text and text == text.strip():
        return text
    return " ".join("".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text).split())


def width(text: str, font: str, size: float) -> float:
    """Printed width in points."""
    return pdfmetrics.stringWidth(text, font, size)


def fit(text: str, font: str, size: float, room: float) -> str:
    """`text` if it fits in `room` points, else its longest beginning that fits with an ellipsis.

    An accent that follows its letter (text not composed by `one_line`) has no width of its
    own, so the longest beginning keeps it with its letter."""
    if width(text, font, size) <= room:
        return text
    low, high = 0, len(text) - 1  # the longest beginning that fits is text[:low]
    while low < high:
        middle = (low + high + 1) // 2
        if width(text[:middle].rstrip() + ELLIPSIS, font, size) <= room:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS


def lines(text: str, font: str, size: float, room: float, most: int) -> list[str]:
    """`text` broken into at most `most` lines of `room` points, at spaces or after hyphens
    ("Konstantinović-" / "Stojanovska"); a word longer than a line is broken between
    letters; the last line ends with an ellipsis if text is left over."""
    if width(text, font, size) <= room:
        return [text] if text else []
    space = width(" ", font, size)
    # Each piece with what joins it to the one before: a space, or nothing after a hyphen.
    pieces = [
        (part, " " if i == 0 else "")
        for word in text.split()
        for i, part in enumerate(AFTER_HYPHEN.split(word))
    ]
    result: list[str] = []
    while pieces and len(result) < most - 1:
        line = pieces.pop(0)[0]
        line_width = width(line, font, size)
        if line_width > room:
            head = fit(line, font, size, room)[: -len(ELLIPSIS)]
            pieces.insert(0, (line[len(head) :], ""))
            result.append(head)
            continue
        # Widths add up: ReportLab does not kern.
        while pieces:
            part, joint = pieces[0]
            more = (space if joint else 0.0) + width(part, font, size)
            if line_width + more > room:
                break
            line, line_width = line + joint + part, line_width + more
            pieces.pop(0)
        result.append(line)
    if pieces:
        rest = "".join(joint + part for part, joint in pieces).lstrip()
        result.append(fit(rest, font, size, room))
    return result


def whole(broken: list[str], text: str) -> bool:
    """Whether the lines made of `text` by `lines()` are all of it, broken only at spaces and
    after hyphens: not shortened, no word cut between letters."""
    rest = text
    for line in broken:
        if not rest.startswith(line):
            return False
        rest = rest[len(line) :]
        if rest and not rest.startswith(" ") and not line.endswith("-"):
            return False
        rest = rest.lstrip(" ")
    return not rest
