"""Writing the bulk documents to memory, and reading PDFs back: text with pdftotext (per page,
or words with their boxes), pages as images with pdftoppm."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

from regsvc.documents.attendance import AttendanceRow
from regsvc.documents.badges import write_badges
from regsvc.documents.sign_in_sheet import write_sign_in_sheet

MM = 72 / 25.4  # PDF points per millimetre


def sign_in_sheet_pdf(event, rows, list_label: str, **options) -> bytes:
    out = BytesIO()
    write_sign_in_sheet(out, event, rows, list_label, **options)
    return out.getvalue()


def badges_pdf(event, rows, **options) -> bytes:
    out = BytesIO()
    write_badges(out, event, rows, **options)
    return out.getvalue()


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
    right: float  # pt from the left edge of the page


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
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>', line
        ):
            x, top, right, bottom, text = match.groups()
            found.append(Word(page, float(x), (float(top) + float(bottom)) / 2, unescape(text), float(right)))
    return found


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


def page_image(pdf: bytes, tmp_path: Path, page: int = 1, dpi: int = 300) -> Image.Image:
    """One page as pdftoppm draws it, in shades of grey."""
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-gray",
            "-r",
            str(dpi),
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(path),
            str(tmp_path / "page"),
        ],
        check=True,
        timeout=60,
    )
    return Image.open(tmp_path / "page.png").convert("L")


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
