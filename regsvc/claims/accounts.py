"""Bank accounts for refunds: IBAN, or a Serbian or Macedonian domestic account number.

Both check digits are ISO 7064 MOD 97-10: an IBAN's over its rearranged letters and
digits, a domestic number's as its last two digits (Serbia: 3+13+2 digits, written
with dashes, leading zeros of the middle part often left out; North Macedonia: 15 digits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

# Lengths of the IBANs of the countries participants come from (and their neighbours).
IBAN_LENGTHS = {
    "RS": 22,
    "MK": 19,
    "BA": 20,
    "ME": 22,
    "AL": 28,
    "HR": 21,
    "SI": 19,
    "XK": 20,
    "AT": 20,
    "DE": 22,
}


class BankAccountError(ValueError):
    """Not a valid account number; the message says what is wrong."""


@dataclass(frozen=True)
class BankAccount:
    kind: str  # "iban", "rs", "mk"
    number: str  # normalised: IBAN without spaces, domestic with its usual dashes

    def __str__(self) -> str:
        if self.kind == "iban":
            return " ".join(self.number[i : i + 4] for i in range(0, len(self.number), 4))
        return self.number


def _mod97(digits: str) -> int:
    return int(digits) % 97


def _iban(text: str) -> BankAccount:
    country = text[:2]
    expected = IBAN_LENGTHS.get(country)
    if expected is not None and len(text) != expected:
        raise BankAccountError(
            _l("An IBAN from %(country)s has %(num)d characters.", country=country, num=expected)
        )
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", text):
        raise BankAccountError(_l("This is not an IBAN: two letters, two digits, then the account."))
    rearranged = text[4:] + text[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    if _mod97(digits) != 1:
        raise BankAccountError(_l("The IBAN's check digits do not match: please check it for a typo."))
    return BankAccount("iban", text)


def _serbian(text: str) -> BankAccount:
    parts = text.split("-")
    if len(parts) == 3 and all(part.isdigit() for part in parts):
        bank, middle, check = parts
        if len(bank) != 3 or len(check) != 2 or not 1 <= len(middle) <= 13:
            raise BankAccountError(
                _l("A Serbian account is written 3-13-2 digits, like 160-0000000012345-67.")
            )
        digits = bank + middle.zfill(13) + check
    elif text.isdigit() and len(text) == 18:
        digits = text
    else:
        raise BankAccountError(_l("A Serbian account is written 3-13-2 digits, like 160-0000000012345-67."))
    if _mod97(digits) != 1:
        raise BankAccountError(_l("The account's check digits do not match: please check it for a typo."))
    return BankAccount("rs", f"{digits[:3]}-{digits[3:16]}-{digits[16:]}")


def _macedonian(text: str) -> BankAccount:
    if _mod97(text) != 1:
        raise BankAccountError(_l("The account's check digits do not match: please check it for a typo."))
    return BankAccount("mk", text)


def parse_account(text: str) -> BankAccount:
    """An IBAN (any country), an 18-digit Serbian or a 15-digit Macedonian account number."""
    cleaned = re.sub(r"[\s.]", "", (text or "").upper())
    if not cleaned:
        raise BankAccountError(_l("Please enter the account number."))
    if cleaned[:2].isalpha():
        return _iban(cleaned)
    if "-" in cleaned or len(cleaned) == 18:
        return _serbian(cleaned)
    if cleaned.isdigit() and len(cleaned) == 15:
        return _macedonian(cleaned)
    raise BankAccountError(
        _l("Enter an IBAN, or a Serbian (18 digits) or Macedonian (15 digits) account number.")
    )


def format_account(number: str) -> str:
    """A stored (compact) account number as people read it: "RS35 2600 0560 …", "160-0000000123-45"."""
    try:
        return str(parse_account(number))
    except BankAccountError:
        return number
