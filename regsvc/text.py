"""Keys for finding and ordering names: `search_key` (case, accents and script do not
matter) and `name_sort_key` (lists by surname, in the alphabet of the list's language,
whatever the script). The one place for either.

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


# --- ordering names ------------------------------------------------------------------
#
# A list is ordered by the alphabet of its language, whatever the script each name is
# written in: names are first written in the list's script with the Serbian and Macedonian
# letter correspondences (Љ = Lj, Ђ = Đ, Ѓ = Gj, Ќ = Kj, Ѕ = Dz, Џ = Dž), so "Đorđević" and
# "Ђорђевић" sit side by side. Letters of the alphabet, digraphs included (lj, nj, dž; dh,
# gj, sh…), are letters of their own in its order; any other letter counts as its base
# letter ("č" as "c" in English), its accent deciding only between names otherwise equal;
# letters of no alphabet come after the alphabet's. This is the order of the Unicode
# collation's tailorings for these languages on their own alphabets (ICU's), written out
# here: no compiled library is needed to run regsvc.

_ALPHABETS = {
    "en": "a b c d e f g h i j k l m n o p q r s t u v w x y z",
    # q, w, x, y where the Latin alphabet has them, for foreign names.
    "sr_Latn": "a b c č ć d dž đ e f g h i j k l lj m n nj o p q r s š t u v w x y z ž",
    # ѕ, the one Macedonian letter that is not a Serbian letter with an accent (ѓ = ѓ).
    "sr_Cyrl": "а б в г д ђ е ж з ѕ и ј к л љ м н њ о п р с т ћ у ф х ц ч џ ш",
    "mk": "а б в г д ѓ е ж з ѕ и ј к л љ м н њ о п р с т ќ у ф х ц ч џ ш",
    "sq": "a b c ç d dh e ë f g gj h i j k l ll m n nj o p q r rr s sh t th u v x xh y z zh",
}
_RANKS = {
    language: {letter: rank for rank, letter in enumerate(alphabet.split(), start=100)}
    for language, alphabet in _ALPHABETS.items()
}
_TO_LATIN = {
    **dict(zip("абвгдђежзијклмнопрстћуфхцчш", "abvgdđežzijklmnoprstćufhcčš", strict=True)),
    "љ": "lj", "њ": "nj", "џ": "dž", "ѓ": "gj", "ќ": "kj", "ѕ": "dz",
}  # fmt: skip
_TO_SERBIAN_CYRILLIC = {
    **{latin: cyrillic for cyrillic, latin in _TO_LATIN.items() if len(latin) == 1},
    "lj": "љ", "nj": "њ", "dž": "џ", "ѕ": "дз",
}  # fmt: skip
_TO_MACEDONIAN = {
    **_TO_SERBIAN_CYRILLIC,
    "gj": "ѓ", "kj": "ќ", "dz": "ѕ", "ǵ": "ѓ", "ḱ": "ќ", "ѕ": "ѕ",
    # How Macedonian writes Serbian names: Đoković is Ѓоковиќ.
    "đ": "ѓ", "ć": "ќ", "ђ": "ѓ", "ћ": "ќ",
}  # fmt: skip
_INTO_SCRIPT = {
    "en": _TO_LATIN,
    "sr_Latn": _TO_LATIN,
    "sq": _TO_LATIN,
    "sr_Cyrl": _TO_SERBIAN_CYRILLIC,
    "mk": _TO_MACEDONIAN,
}
# Latin letters that Unicode does not decompose into a base letter and a mark.
_BASE_LETTER = {"đ": "d", "ð": "d", "ł": "l", "ø": "o", "ħ": "h", "ı": "i", "ß": "ss", "æ": "ae", "œ": "oe"}


def collation_language(locale: str | None) -> str:
    """The alphabet a list in `locale` is ordered by: "sr" and "sr_Latn_RS" are Serbian Latin,
    a language without an alphabet here is ordered as English."""
    if locale in _ALPHABETS:
        return locale
    language, _sep, rest = (locale or "").partition("_")
    if language == "sr":
        return "sr_Cyrl" if rest.startswith("Cyrl") else "sr_Latn"
    return language if language in _ALPHABETS else "en"


def _in_script(text: str, language: str) -> str:
    """`text` (folded) written in the script of `language`'s alphabet, digraphs first."""
    table = _INTO_SCRIPT[language]
    out, i = [], 0
    while i < len(text):
        pair = text[i : i + 2]
        if pair in table:
            out.append(table[pair])
            i += 2
        else:
            out.append(table.get(text[i], text[i]))
            i += 1
    return "".join(out)


def collation_key(text: str, language: str) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """(the letters' places in the alphabet of `language`, the accents that only break ties)."""
    ranks = _RANKS[language]
    folded = _in_script(unicodedata.normalize("NFC", text.casefold()), language)
    places: list[int] = []
    accents: list[str] = []
    i = 0
    while i < len(folded):
        letter = next((folded[i : i + n] for n in (3, 2, 1) if folded[i : i + n] in ranks), None)
        if letter is not None:
            places.append(ranks[letter])
            accents.append("")
            i += len(letter)
            continue
        decomposed = unicodedata.normalize("NFD", folded[i])
        base, marks = decomposed[0], decomposed[1:]
        for ch in _in_script(_BASE_LETTER.get(base, base), language):
            places.append(_place(ch, ranks))
            accents.append(marks)
        i += 1
    return tuple(places), tuple(accents)


def _place(ch: str, ranks: dict[str, int]) -> int:
    if ch in ranks:
        return ranks[ch]
    if ch.isdigit():
        return 1 + unicodedata.digit(ch, 0)  # digits before letters
    if ch.isalpha():
        return 100 + len(ranks) + ord(ch)  # after the alphabet
    return 0  # spaces and punctuation before all


def surname(full_name: str) -> str:
    """The last word of the name ("Ana van der Berg" → "Berg"): people type their names freely."""
    words = full_name.split()
    return words[-1] if words else ""


def name_sort_key(full_name: str, locale: str | None = "en") -> tuple:
    """Surname, then full name, in the alphabet of the list's language (`locale`), whatever
    the script; accents that the alphabet does not count, then case, only between names
    otherwise equal (see sort_by_surname in regsvc.documents.attendance for the order)."""
    language = collation_language(locale)
    name = " ".join(full_name.split())
    last, whole = collation_key(surname(name), language), collation_key(name, language)
    return (last[0], whole[0], last[1], whole[1], name.casefold(), name)


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
