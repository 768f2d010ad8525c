"""QR codes (error correction level M) for check-in codes, made by segno: as inline SVG or
PNG, or as the rows of modules that a document draws (badges)."""

from __future__ import annotations

from io import BytesIO

import segno
from markupsafe import Markup


def _make(payload: str) -> segno.QRCode:
    # Exactly level M (segno would otherwise raise the level when the symbol has room).
    return segno.make_qr(payload, error="m", boost_error=False)


def qr_svg(payload: str, *, border: int = 2) -> Markup:
    """An <svg> element, ready to embed in HTML: it scales to the width and height CSS gives it.

    Safe to embed: the markup is made by segno from the modules of the symbol; the payload
    itself appears nowhere in it.
    """
    svg = _make(payload).svg_inline(scale=1, border=border, omitsize=True, dark="#000", svgclass="qr-code")
    return Markup(svg)  # noqa: S704 - generated markup, no user text in it


def qr_svg_data_uri(payload: str, *, border: int = 2) -> str:
    """The same SVG as a `data:` URI, for <img src> or CSS backgrounds."""
    return _make(payload).svg_data_uri(scale=1, border=border, omitsize=True, dark="#000")


def qr_png(payload: str, scale: int = 6, *, border: int = 4) -> bytes:
    """A PNG image: `scale` pixels per module, with the standard quiet zone of 4 modules."""
    out = BytesIO()
    _make(payload).save(out, kind="png", scale=scale, border=border)
    return out.getvalue()


# --- Rows of modules, for documents that draw the symbol ---------------------------------

# Badges print thousands of codes at once. Left to itself, segno tries all eight masks on
# each symbol to pick the one a poor reader likes best (about 1.4 ms a code, most of the
# time of a badge); any mask reads the same, so badges take mask 0 (about 0.3 ms).
BADGE_MASK = 0


def qr_rows(payload: str) -> list[str]:
    """The symbol's rows of modules from the top, without the quiet zone: "1" dark, "0" light."""
    symbol = segno.make_qr(payload, error="m", boost_error=False, mask=BADGE_MASK)
    return ["".join("1" if module else "0" for module in row) for row in symbol.matrix]
