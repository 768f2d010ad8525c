"""Money is an integer number of minor units plus an ISO currency code; never a float."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal, get_currency_precision, get_decimal_symbol
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

_AMOUNT = re.compile(r"^\d+(?:[.,]\d+)?$")


class AmountError(ValueError):
    """Not an amount of money; the message says what was expected."""


def to_minor_units(text: str, currency: str, locale: str | None = None) -> int:
    """Parse what a person typed, in the way their language (`locale`, else the one in force)
    writes numbers: "1.234,50" in Serbian, Macedonian and Albanian, "1,234.50" in English;
    "1800", "1 800,50" and "1800.50" everywhere.

    With both marks, the last one is the decimal mark. With one mark followed by three
    digits, the language decides: "1.800" is 1800 in Serbian, and refused as ambiguous in
    English (where 1,800 is 1800); with fewer or more digits it is the decimal mark.
    """
    language = locale or str(get_locale() or "en")
    decimal_mark = get_decimal_symbol(language)
    cleaned = re.sub(r"[\s\u00a0\u202f']", "", text or "")
    if "," in cleaned and "." in cleaned:
        # Both separators: the last one is the decimal separator, the other groups thousands.
        last = max(cleaned.rfind(","), cleaned.rfind("."))
        cleaned = re.sub(r"[.,]", "", cleaned[:last]) + "." + cleaned[last + 1 :]
    elif cleaned.count(",") + cleaned.count(".") > 1:
        cleaned = re.sub(r"[.,]", "", cleaned)  # only thousands separators: 1.250.000
    if not _AMOUNT.match(cleaned):
        raise AmountError(
            _l(
                "“%(text)s” is not an amount: write it like %(whole)s or %(decimal)s.",
                text=text,
                whole="1800",
                decimal=format_decimal(Decimal("1800.50"), "0.00", locale=language),
            )
        )
    digits = get_currency_precision(currency)
    grouped = re.match(r"^\d+([.,])\d{3}$", cleaned)
    if grouped and digits != 3:
        if grouped.group(1) == decimal_mark:
            raise AmountError(
                _l("“%(text)s” is ambiguous: write it without a thousands separator, like 1800.", text=text)
            )
        cleaned = cleaned.replace(grouped.group(1), "")  # the language's thousands separator
    try:
        value = Decimal(cleaned.replace(",", "."))
    except InvalidOperation as error:
        raise AmountError(_l("“%(text)s” is not an amount.", text=text)) from error
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value():
        raise AmountError(_l("“%(text)s” has more than %(num)d decimals.", text=text, num=digits))
    return int(minor)


def format_money(minor: int, currency: str, locale: str | None = None) -> str:
    """The amount in the reader's number format (`locale`, else the language in force), then
    the currency code: "1,800.00 RSD" in English, "1.800,00 RSD" in Serbian, "1 800,00 MKD"
    in Albanian, "1.800 ALL" (the lek has no minor unit in use) in Macedonian."""
    digits = get_currency_precision(currency)
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    language = locale or get_locale() or "en"
    return f"{format_decimal(Decimal(minor).scaleb(-digits), pattern, locale=language)}\u00a0{currency}"


def plain_amount(minor: int, currency: str) -> str:
    """The amount without grouping or symbol, for CSV files: "1800.00"."""
    digits = get_currency_precision(currency)
    return f"{Decimal(minor).scaleb(-digits):.{digits}f}"
