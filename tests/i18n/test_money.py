"""Amounts are shown, and read back, the way each language writes numbers."""

import pytest
from flask_babel import force_locale

from regsvc.money import AmountError, format_money, to_minor_units


@pytest.mark.parametrize(
    ("locale", "rsd", "all_"),
    [
        ("en", "1,234.50\u00a0RSD", "1,234\u00a0ALL"),
        ("sr_Latn", "1.234,50\u00a0RSD", "1.234\u00a0ALL"),
        ("sr_Cyrl", "1.234,50\u00a0RSD", "1.234\u00a0ALL"),
        ("mk", "1.234,50\u00a0RSD", "1.234\u00a0ALL"),
        ("sq", "1\u00a0234,50\u00a0RSD", "1\u00a0234\u00a0ALL"),
    ],
)
def test_amounts_are_shown_in_the_readers_number_format_with_their_currency(app, locale, rsd, all_):
    with force_locale(locale):
        assert format_money(123450, "RSD") == rsd
        assert format_money(1234, "ALL") == all_  # the lek is counted whole
        for currency in ("MKD", "EUR", "BAM"):
            assert format_money(123450, currency) == rsd.replace("RSD", currency)
    assert format_money(123450, "RSD", locale) == rsd


@pytest.mark.parametrize("locale", ["sr_Latn", "sr_Cyrl", "mk", "sq"])
@pytest.mark.parametrize(
    ("typed", "minor"),
    [
        ("1.234,50", 123450),
        ("1.234", 123400),  # the thousands separator of these languages
        ("1 234,50", 123450),
        ("1\u00a0234,50", 123450),
        ("1234,5", 123450),
        ("12.5", 1250),  # a dot before fewer than three digits can only be decimals
        ("1.250.000", 125000000),
        ("1,234.50", 123450),  # both marks: the last one is the decimal mark
    ],
)
def test_amounts_typed_the_way_serbian_macedonian_and_albanian_write_them(app, locale, typed, minor):
    with force_locale(locale):
        assert to_minor_units(typed, "RSD") == minor


@pytest.mark.parametrize(
    ("typed", "minor"),
    [("1,234.50", 123450), ("1,234", 123400), ("1234.5", 123450), ("12,5", 1250), ("1.234,50", 123450)],
)
def test_amounts_typed_the_way_english_writes_them(app, typed, minor):
    with force_locale("en"):
        assert to_minor_units(typed, "EUR") == minor


@pytest.mark.parametrize(("locale", "typed"), [("en", "1.800"), ("sr_Latn", "1,800"), ("mk", "2,500")])
def test_a_decimal_mark_before_three_digits_is_refused_as_ambiguous(app, locale, typed):
    with force_locale(locale), pytest.raises(AmountError) as refused:
        to_minor_units(typed, "MKD")
    assert "ambiguous" in str(refused.value)  # said in English here, outside the reader's language


@pytest.mark.parametrize(("locale", "example"), [("en", "1800 or 1800.50"), ("sr_Latn", "1800 or 1800,50")])
def test_what_is_not_an_amount_is_told_with_an_example_in_the_readers_form(app, locale, example):
    with pytest.raises(AmountError) as refused:
        to_minor_units("twelve", "RSD", locale)
    assert str(refused.value) == f"“twelve” is not an amount: write it like {example}."


def test_more_decimals_than_the_currency_has_are_refused(app):
    with pytest.raises(AmountError, match="more than 0 decimals"):
        to_minor_units("1200,5", "ALL", "sq")
