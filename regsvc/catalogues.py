"""The message catalogues as the application reads them, built from the ones translators write.

Translators write `regsvc/translations/<locale>/LC_MESSAGES/messages.po` for sr_Latn, mk and
sq. Serbian in Cyrillic script is the Latin catalogue written letter by letter in Cyrillic
(`to_cyrillic`), so the two scripts never say different things. `make catalogues` runs
`python -m regsvc.catalogues`, which writes the Cyrillic catalogue and compiles every
catalogue to the `.mo` file Flask-Babel reads. Both are committed, so that neither running
nor installing regsvc needs a build step; a test fails when they are older than their sources.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
# The catalogues people translate; sr_Cyrl is made from sr_Latn.
TRANSLATED = ("sr_Latn", "mk", "sq")
LATIN, CYRILLIC = "sr_Latn", "sr_Cyrl"

_DIGRAPHS = {
    "DŽ": "Џ", "Dž": "Џ", "dž": "џ", "Ǆ": "Џ", "ǅ": "Џ", "ǆ": "џ",
    "LJ": "Љ", "Lj": "Љ", "lj": "љ", "Ǉ": "Љ", "ǈ": "Љ", "ǉ": "љ",
    "NJ": "Њ", "Nj": "Њ", "nj": "њ", "Ǌ": "Њ", "ǋ": "Њ", "ǌ": "њ",
}  # fmt: skip
_LETTERS = dict(
    zip(
        "ABVGDĐEŽZIJKLMNOPRSTĆUFHCČŠabvgdđežzijklmnoprstćufhcčš",
        "АБВГДЂЕЖЗИЈКЛМНОПРСТЋУФХЦЧШабвгдђежзијклмнопрстћуфхцчш",
        strict=True,
    )
)
# Where the Latin letters of a digraph are two letters: a prefix before ž (nad|živeti,
# pod|župan), n before j in a few loan words (in|jekcija, kon|jugacija).
_TWO_LETTERS = r"\b(?:[Nn]ad|[Pp]od|NAD|POD)(?=[žŽ])|(?i:in(?=jek)|kon(?=ju[gn]))"
_LETTER_OR_DIGRAPH = re.compile("|".join([_TWO_LETTERS, *_DIGRAPHS, "."]), re.DOTALL)

# Names and codes that are the same in every script.
BRANDS = (
    "regsvc",
    "SMART Balkans",
    "Aegis",
    "FreeOTP",
    "Google Authenticator",
    "Microsoft Authenticator",
    "Authenticator",
    "Google",
    "Microsoft",
    "Excel",
    "PDF/A",
)
_KEPT = re.compile(
    "|".join(
        [
            r"%(?:\([^)]*\))?[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]",  # %(name)s, %d, %%
            r"<[^>]*>",  # HTML tags
            r"&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);",  # HTML entities
            r"\bhttps?://[^\s<>\"]+",  # URLs
            r"\bwww\.[^\s<>\"]+",
            r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",  # e-mail addresses
            r"\b[\w-]+(?:\.[\w-]+)*\.(?:org|com|net|rs|mk|al|ba|me|eu|test)\b",  # domain names
            *(rf"\b{re.escape(brand)}\b" for brand in sorted(BRANDS, key=len, reverse=True)),
            r"\b[A-Z][A-Z0-9]{1,4}\b",  # codes: RSD, EUR, IBAN, QR, CSV, XLSX, SWIFT
            r"(?<!\w)\.[a-z]{2,4}\b",  # file extensions: .ics, .csv, .pdf
            r"\b[\w-]*[QWXYqwxy][\w-]*",  # foreign words: Serbian is written without q, w, x, y
        ]
    )
)


def to_cyrillic(text: str) -> str:
    """Serbian Latin text in Cyrillic script: "Ljubica, pošaljite PDF na ana@example.org"
    → "Љубица, пошаљите PDF на ana@example.org". Placeholders, HTML, addresses, URLs, brand
    names, codes in capitals and foreign words stay as they are."""
    out, position = [], 0
    for kept in _KEPT.finditer(text):
        out.append(_letters_to_cyrillic(text[position : kept.start()]))
        out.append(kept.group())
        position = kept.end()
    out.append(_letters_to_cyrillic(text[position:]))
    return "".join(out)


def _letters_to_cyrillic(text: str) -> str:
    return _LETTER_OR_DIGRAPH.sub(_letter_to_cyrillic, text)


def _letter_to_cyrillic(match: re.Match) -> str:
    letters = match.group()
    if letters in _DIGRAPHS:
        return _DIGRAPHS[letters]
    return "".join(_LETTERS.get(letter, letter) for letter in letters)


def cyrillic_catalogue(latin: Catalog) -> Catalog:
    """The Serbian Latin catalogue in Cyrillic script (header and flags as in the Latin one)."""
    cyrillic = Catalog(
        locale=CYRILLIC,
        domain=latin.domain,
        project=latin.project,
        version=latin.version,
        copyright_holder=latin.copyright_holder,
        msgid_bugs_address=latin.msgid_bugs_address,
        creation_date=latin.creation_date,
        revision_date=latin.revision_date,
        last_translator=latin.last_translator,
        language_team=f"{CYRILLIC} <LL@li.org>",
        charset=latin.charset,
        fuzzy=latin.fuzzy,
        header_comment=(
            "# Serbian (Cyrillic) translations for regsvc, written by `make catalogues`\n"
            "# letter by letter from sr_Latn/LC_MESSAGES/messages.po: translate that one."
        ),
    )
    for message in latin:
        if not message.id:
            continue
        if isinstance(message.string, str):
            converted: str | tuple[str, ...] = to_cyrillic(message.string)
        else:
            converted = tuple(to_cyrillic(string) for string in message.string or ())
        cyrillic.add(
            message.id,
            converted,
            locations=message.locations,
            flags=message.flags,
            auto_comments=message.auto_comments,
            user_comments=message.user_comments,
            context=message.context,
        )
    return cyrillic


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as po_file:
        return read_po(po_file)


def po_bytes(catalogue: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalogue, width=76)
    return out.getvalue()


def mo_bytes(catalogue: Catalog) -> bytes:
    """What `pybabel compile` writes: fuzzy messages left out (they fall back to English)."""
    out = io.BytesIO()
    write_mo(out, catalogue, use_fuzzy=False)
    return out.getvalue()


def po_path(locale: str, root: Path = TRANSLATIONS) -> Path:
    return root / locale / "LC_MESSAGES" / "messages.po"


def built_files(root: Path = TRANSLATIONS) -> dict[Path, bytes]:
    """Every file `make catalogues` writes, with the content it writes."""
    cyrillic = cyrillic_catalogue(read_catalogue(po_path(LATIN, root)))
    files = {po_path(CYRILLIC, root): po_bytes(cyrillic)}
    for locale in TRANSLATED:
        files[po_path(locale, root).with_suffix(".mo")] = mo_bytes(read_catalogue(po_path(locale, root)))
    files[po_path(CYRILLIC, root).with_suffix(".mo")] = mo_bytes(cyrillic)
    return files


def main(root: Path = TRANSLATIONS) -> None:
    for path, content in built_files(root).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != content:
            path.write_bytes(content)
            print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
