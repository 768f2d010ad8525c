"""Money is an integer number of minor units plus an ISO currency code; never a float."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal, get_currency_precision
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

_AMOUNT = re.compile(r"^\d+(?:[.,]\d+)?$")


class AmountError(ValueError):
    """Not an amount of money; the message says what was expected."""


def to_minor_units(text: str, currency: str) -> int:
    """Parse what a person typed ("1800", "1.800,00", "1 800.50") into minor units."""
    cleaned = re.sub(r"[\s\u00a0']", "", text or "")
    if "," in cleaned and "." in cleaned:
        # Both separators: the last one is the decimal separator, the other groups thousands.
        decimal_mark = max(cleaned.rfind(","), cleaned.rfind("."))
        cleaned = re.sub(r"[.,]", "", cleaned[:decimal_mark]) + "." + cleaned[decimal_mark + 1 :]
    elif cleaned.count(",") + cleaned.count(".") > 1:
        cleaned = re.sub(r"[.,]", "", cleaned)  # only thousands separators: 1.250.000
    if not _AMOUNT.match(cleaned):
        raise AmountError(_l("“%(text)s” is not an amount: write it like 1800 or 1800.50.", text=text))
    digits = get_currency_precision(currency)
    if re.match(r"^\d+[.,]\d{3}$", cleaned) and digits != 3:
        raise AmountError(
            _l("“%(text)s” is ambiguous: write it without a thousands separator, like 1800.", text=text)
        )
    try:
        value = Decimal(cleaned.replace(",", "."))
    except InvalidOperation as error:
        raise AmountError(_l("“%(text)s” is not an amount.", text=text)) from error
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value():
        raise AmountError(_l("“%(text)s” has more than %(num)d decimals.", text=text, num=digits))
    return int(minor)


def format_money(minor: int, currency: str) -> str:
    """The amount in the reader's number format, then the currency code: "1,800.00 RSD" in
    English, "1.800,00 RSD" in Serbian (the same for every currency and language)."""
    digits = get_currency_precision(currency)
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return f"{format_decimal(Decimal(minor).scaleb(-digits), pattern, locale=get_locale())}\u00a0{currency}"


def plain_amount(minor: int, currency: str) -> str:
    """The amount without grouping or symbol, for CSV files: "1800.00"."""
    digits = get_currency_precision(currency)
    return f"{Decimal(minor).scaleb(-digits):.{digits}f}"
