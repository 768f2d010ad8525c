"""QR codes for check-in codes."""

from io import BytesIO

from markupsafe import Markup
from PIL import Image

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
