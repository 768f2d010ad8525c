"""QR codes (error correction level M) for check-in codes: as inline SVG or PNG, or as the
rows of modules that a document draws (badges).

Badges print thousands of codes at once. segno spends most of its time on each code
choosing the best of the eight masks (about 1.4 ms), as the standard asks, to avoid
patterns that might trouble a poor reader; any mask reads the same. So a check-in code
that fits version 1 (up to 34 digits: ours have 16) is encoded here, with mask 0 (the
one segno picks most often for such codes), from tables: the symbol is a fixed part
(function patterns, format information, mask) XOR one precomputed part per data
codeword, its own bits and its share of the error correction codewords, which is linear
in the data. Anything else goes to segno.
"""

from __future__ import annotations

import functools
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

SIZE = 21  # modules on a side of a version 1 symbol
DATA_CODEWORDS, EC_CODEWORDS = 16, 10  # version 1, level M: one block
MAX_DIGITS = 34  # in numeric mode
MASK = 0  # the data modules are inverted where (row + column) is even


def qr_rows(payload: str) -> list[str]:
    """The symbol's rows of modules from the top, without the quiet zone: "1" dark, "0" light."""
    if payload.isascii() and payload.isdigit() and len(payload) <= MAX_DIGITS:
        modules = format(_numeric_symbol(payload), f"0{SIZE * SIZE}b")
        return [modules[start : start + SIZE] for start in range(0, SIZE * SIZE, SIZE)]
    return ["".join(map(str, row)) for row in _make(payload).matrix]


def _bit(row: int, column: int) -> int:
    """A module as a bit of the symbol's number, whose binary digits are the modules row after
    row from the top left."""
    return 1 << (SIZE * SIZE - 1 - (row * SIZE + column))


def _numeric_symbol(digits: str) -> int:
    symbol = _fixed_part()
    for part, codeword in zip(_codeword_parts(), _data_codewords(digits), strict=True):
        symbol ^= part[codeword]
    return symbol


def _data_codewords(digits: str) -> bytes:
    """Numeric mode: mode, count, the digits three by three, terminator, padding."""
    bits, count = 0b0001 << 10 | len(digits), 14
    for start in range(0, len(digits), 3):
        group = digits[start : start + 3]
        width = 3 * len(group) + 1  # 10, 7 or 4 bits
        bits, count = bits << width | int(group), count + width
    terminator = min(4, 8 * DATA_CODEWORDS - count)
    end = terminator + (-count - terminator) % 8  # zeros: the terminator, then up to a whole byte
    data = (bits << end).to_bytes((count + end) // 8, "big")
    return data + bytes((0xEC, 0x11) * DATA_CODEWORDS)[: DATA_CODEWORDS - len(data)]


def _function_modules() -> dict[tuple[int, int], bool]:
    """Finder patterns with their separators, timing patterns, the dark module and the
    format information (level M, MASK): (row, column) -> dark."""
    modules = {}
    for top, left in ((0, 0), (0, SIZE - 7), (SIZE - 7, 0)):
        for row in range(top - 1, top + 8):
            for column in range(left - 1, left + 8):
                if 0 <= row < SIZE and 0 <= column < SIZE:
                    distance = max(abs(row - top - 3), abs(column - left - 3))
                    modules[row, column] = distance != 2 and distance != 4
    for i in range(8, SIZE - 8):
        modules[6, i] = modules[i, 6] = i % 2 == 0
    modules[SIZE - 8, 8] = True
    data = 0b00 << 3 | MASK  # level M is 00
    remainder = data
    for _ in range(10):
        remainder = remainder << 1 ^ (remainder >> 9) * 0x537
    bits = (data << 10 | remainder) ^ 0x5412
    first = [(i, 8) for i in range(6)] + [(7, 8), (8, 8), (8, 7)] + [(8, 14 - i) for i in range(9, 15)]
    second = [(8, SIZE - 1 - i) for i in range(8)] + [(SIZE - 15 + i, 8) for i in range(8, 15)]
    for copy in (first, second):
        for i, place in enumerate(copy):
            modules[place] = bool(bits >> i & 1)
    return modules


@functools.cache
def _data_places() -> list[tuple[int, int]]:
    """The data modules in the order the codewords' bits fill them: two columns at a time
    from the right, up and down in turn, skipping the vertical timing pattern."""
    function = _function_modules()
    places = []
    for right in range(SIZE - 1, 0, -2):
        right -= right <= 6
        upward = (right + 1) & 2 == 0
        for step in range(SIZE):
            row = SIZE - 1 - step if upward else step
            places += [(row, column) for column in (right, right - 1) if (row, column) not in function]
    return places


@functools.cache
def _fixed_part() -> int:
    """The function patterns, and the mask over the data modules."""
    symbol = 0
    for (row, column), dark in _function_modules().items():
        symbol |= _bit(row, column) if dark else 0
    for row, column in _data_places():
        symbol |= _bit(row, column) if (row + column) % 2 == 0 else 0
    return symbol


def _gf_multiply(x: int, y: int) -> int:
    """Product in GF(256) modulo x^8 + x^4 + x^3 + x^2 + 1."""
    product = 0
    for i in reversed(range(8)):
        product = (product << 1) ^ (product >> 7) * 0x11D
        product ^= (y >> i & 1) * x
    return product


def _error_correction(data: bytes) -> bytes:
    """The Reed-Solomon codewords of one block: the remainder of data(x) * x^n / g(x)."""
    generator, root = [0] * (EC_CODEWORDS - 1) + [1], 1
    for _ in range(EC_CODEWORDS):
        for j in range(EC_CODEWORDS):
            generator[j] = _gf_multiply(generator[j], root) ^ (
                generator[j + 1] if j + 1 < EC_CODEWORDS else 0
            )
        root = _gf_multiply(root, 2)
    remainder = [0] * EC_CODEWORDS
    for byte in data:
        factor = byte ^ remainder.pop(0)
        remainder.append(0)
        remainder = [r ^ _gf_multiply(g, factor) for r, g in zip(remainder, generator, strict=True)]
    return bytes(remainder)


@functools.cache
def _codeword_parts() -> list[list[int]]:
    """For each data codeword and each of its 256 values, the modules it darkens: its bits
    and its error correction, placed (before the mask). Built from one part per bit."""
    places = _data_places()
    parts = []
    for index in range(DATA_CODEWORDS):
        per_bit = []
        for bit in range(8):
            data = bytearray(DATA_CODEWORDS)
            data[index] = 1 << bit
            codewords = bytes(data) + _error_correction(bytes(data))
            symbol = 0
            for i, place in enumerate(places):
                symbol |= _bit(*place) if codewords[i // 8] >> (7 - i % 8) & 1 else 0
            per_bit.append(symbol)
        values = [0] * 256
        for value in range(1, 256):
            lowest = value & -value
            values[value] = values[value ^ lowest] ^ per_bit[lowest.bit_length() - 1]
        parts.append(values)
    return parts
