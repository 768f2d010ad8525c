"""QR codes for check-in codes: for pages and e-mails (segno), and drawn on badges."""

import random
import subprocess
import tempfile
from io import BytesIO

from markupsafe import Markup
from PIL import Image
from reportlab.graphics.barcode import qrencoder

from regsvc.documents import qr


def test_svg_is_embeddable_markup_without_the_payload():
    svg = qr.qr_svg("40912345")
    assert isinstance(svg, Markup)
    assert svg.startswith("<svg") and 'viewBox="0 0 25 25"' in svg  # version 1 and a 2-module border
    assert "40912345" not in svg and "<script" not in svg


def test_error_correction_is_m():
    assert qr._make("40912345").error == "M"


def test_png_has_the_scale_and_quiet_zone_asked_for():
    png = qr.qr_png("40912345", scale=6)
    image = Image.open(BytesIO(png))
    assert image.format == "PNG"
    assert image.size == ((21 + 2 * 4) * 6,) * 2


def test_svg_data_uri():
    assert qr.qr_svg_data_uri("40912345").startswith("data:image/svg+xml")


def reference_rows(digits: str, mask: int) -> list[str]:
    """The symbol as ReportLab's own QR encoder (another implementation) makes it, same mask."""
    code = qrencoder.QRCode(1, qrencoder.QRErrorCorrectLevel.M)
    code.addData(qrencoder.QRNumber(digits))
    code.makeImpl(False, mask)
    size = code.getModuleCount()
    return ["".join("1" if code.isDark(r, c) else "0" for c in range(size)) for r in range(size)]


def test_check_in_codes_of_up_to_34_digits_are_the_standard_symbol():
    pick = random.Random(15)
    for length in range(1, qr.MAX_DIGITS + 1):
        for _ in range(3):
            digits = "".join(pick.choice("0123456789") for _ in range(length))
            assert qr.qr_rows(digits) == reference_rows(digits, qr.MASK), digits
    assert len(qr.qr_rows("7989681864784949")) == 21  # a check-in code: version 1


def test_other_payloads_are_encoded_by_segno():
    for payload in ("1" * 35, "ABC-123", "Đorđe"):
        assert qr.qr_rows(payload) == ["".join(map(str, row)) for row in qr._make(payload).matrix]
    assert len(qr.qr_rows("1" * 35)) > 21


def scanned(rows: list[str]) -> str:
    """What a scanner (zbar) reads from the symbol drawn from these rows, quiet zone added."""
    size, scale, quiet = len(rows), 6, 4
    picture = Image.new("L", (size + 2 * quiet,) * 2, 255)
    picture.putdata(
        [
            0
            if 0 <= y - quiet < size and 0 <= x - quiet < size and rows[y - quiet][x - quiet] == "1"
            else 255
            for y in range(size + 2 * quiet)
            for x in range(size + 2 * quiet)
        ]
    )
    picture = picture.resize((picture.width * scale,) * 2, Image.NEAREST)
    with tempfile.NamedTemporaryFile(suffix=".png") as file:
        picture.save(file.name)
        done = subprocess.run(["zbarimg", "--quiet", "--raw", file.name], capture_output=True, text=True)
    return done.stdout.strip()


def test_a_badges_symbol_scans_as_its_check_in_code():
    pick = random.Random(15)
    for _ in range(10):
        digits = "".join(pick.choice("0123456789") for _ in range(16))
        rows = qr.qr_rows(digits)
        assert len(rows) == 21  # version 1: the smallest symbol, large modules on a badge
        assert scanned(rows) == digits
