"""Keys for finding and ordering names: `search_key` (case, accents and script do not
matter) and `name_sort_key` (lists by surname). The one place for either.

"Đorđević", "Djordjevic", "Dordevic", "Ђорђевић" and "ĐORĐEVIĆ" all have the search key
"dordevic", so the desk finds a person however their name is typed.
"""

import unicodedata

# Serbian and Macedonian Cyrillic to Latin (the letters that are not one-to-one first).
_CYRILLIC = {
    "љ": "lj",
    "њ": "nj",
    "џ": "dz",
    "ђ": "d",
    "ћ": "c",
    "ѓ": "g",
    "ќ": "k",
    "ѕ": "dz",
    "ж": "z",
    "ч": "c",
    "ш": "s",
    "ј": "j",
    "х": "h",
    "ц": "c",
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "з": "z",
    "и": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
}
# Latin letters with a stroke do not decompose into letter + accent.
_LATIN = {"đ": "d", "ł": "l", "ø": "o", "ß": "ss"}
_TABLE = str.maketrans({**_CYRILLIC, **_LATIN})


# The usual ASCII spellings of letters of their own: "Djordje" is Đorđe / Ђорђе, "Gjorgji"
# Ѓорѓи, "Kjosevska" Ќосевска, "gradjana" građana. Folded onto the base letter that the
# letter itself folds to (đ → d), on both sides of a search; "dž"/"џ" and "lj"/"љ" already
# meet as "dz" and "lj". Stored keys were refolded by migration 0015: change this list only
# with a migration that refolds them again.
_DIGRAPHS = (("dj", "d"), ("gj", "g"), ("kj", "k"))


def search_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_TABLE))
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    for digraph, letter in _DIGRAPHS:
        folded = folded.replace(digraph, letter)
    return folded


# Letters that Unicode does not decompose into a base letter and a mark. Latin ones are
# folded onto their base letter, like Č, Ć onto C. Serbian and Macedonian Cyrillic letters
# of their own sort right after the letter they follow in the alphabet (Љ after Л…).
_AFTER = "\uffff"
_FOLD = str.maketrans(
    {
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "ø": "o",
        "ħ": "h",
        "ı": "i",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ђ": "д" + _AFTER,
        "ѕ": "з" + _AFTER,
        "ј": "и" + _AFTER,
        "љ": "л" + _AFTER,
        "њ": "н" + _AFTER,
        "ћ": "т" + _AFTER,
        "џ": "ч" + _AFTER,
    }
)


def _sort_fold(text: str) -> str:
    """Case- and accent-insensitive form: "Đurić" → "duric", "Ќосева" → "косева"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_FOLD)


def surname(full_name: str) -> str:
    """The last word of the name ("Ana van der Berg" → "Berg"): people type their names freely."""
    words = full_name.split()
    return words[-1] if words else ""


def name_sort_key(full_name: str) -> tuple[str, ...]:
    """Surname, then full name; case- and accent-insensitive first (see sort_by_surname in
    regsvc.documents.attendance for the order it gives)."""
    name = " ".join(full_name.split())
    return (_sort_fold(surname(name)), _sort_fold(name), name.casefold(), name)


# --- people ----------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    """An e-mail address as stored and compared: no surrounding space, lower case."""
    return email.strip().lower()


def mailbox_key(email: str) -> str:
    """The mailbox an address delivers to, for telling whether two addresses may be one
    person's: "Finance+Self@Example.org" and "finance@example.org" have the same key."""
    local, _at, domain = normalise_email(email).partition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if domain else local


def person_name_key(full_name: str) -> str:
    """A name as it identifies a person whatever the script, accents, case, order of the
    words and usual ASCII spelling: "Ana Petrović", "PETROVIĆ Ana", "Ана Петровић" and
    "Ana Petrovic" have the same key."""
    return " ".join(sorted(search_key(full_name).split()))
