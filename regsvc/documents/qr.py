"""QR codes (error correction level M) for check-in codes, as inline SVG or PNG."""

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
