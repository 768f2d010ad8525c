"""Reading PDFs back: text with pdftotext (per page, or words with their boxes)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader

from regsvc.documents.attendance import AttendanceRow

MM = 72 / 25.4  # PDF points per millimetre


def page_texts(pdf: bytes, tmp_path: Path) -> list[str]:
    """The text of each page, as pdftotext reads it (columns kept apart with -layout)."""
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout.decode("utf-8")
    return out.split("\f")[:-1]  # each page ends with a form feed


@dataclass(frozen=True)
class Word:
    page: int
    x: float  # pt from the left edge of the page
    y: float  # pt from the top
    text: str


def words(pdf: bytes, tmp_path: Path) -> list[Word]:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout.decode("utf-8")
    found, page = [], 0
    for line in out.splitlines():
        if "<page " in line:
            page += 1
        elif match := re.search(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*)</word>', line
        ):
            x, top, bottom, text = match.groups()
            found.append(Word(page, float(x), (float(top) + float(bottom)) / 2, unescape(text)))
    return found


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


def page_count(pdf: bytes) -> int:
    return len(PdfReader(BytesIO(pdf)).pages)


def row(full_name: str, organisation: str = "CRPM", town: str = "Niš", **fields) -> AttendanceRow:
    values = dict(
        full_name=full_name,
        organisation=organisation,
        town=town,
        attendance="On-site seat",
        checkin_code="12345678",
        consents_to_publication=True,
        checked_in=False,
    )
    values.update(fields)
    return AttendanceRow(**values)
