"""CSV files that Excel opens correctly and cannot turn into formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# A spreadsheet reads a cell that starts with one of these as a formula (or as the start of one).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """A text cell as text: a leading quote stops a spreadsheet from running it as a formula."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def csv_bytes(rows: Iterable[Sequence], *, delimiter: str = ",") -> bytes:
    """UTF-8 with a byte order mark (so that Excel reads it as UTF-8); text cells that a
    spreadsheet would take for a formula get a leading '. Numbers are written as they are."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    for row in rows:
        writer.writerow([neutralise(value) if isinstance(value, str) else value for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
