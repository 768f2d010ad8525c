"""TRANSLATIONS COMPLETE: every message of the code and templates is translated in every
catalogue (sr_Latn, sr_Cyrl, mk, sq), none fuzzy, each with the placeholders of its source.

Run alone: `make test PYTEST_ARGS="-m translations_complete"`. It fails while a
catalogue is being translated; after changing strings, `make messages` carries them into
the catalogues, and the translators fill them in.
"""

import re
from collections import Counter

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from regsvc.catalogues import CYRILLIC, TRANSLATED, read_catalogue
from regsvc.layout import ROOT

pytestmark = pytest.mark.translations_complete

# As `make messages` extracts them (its -k options).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs%]")


def source_messages() -> dict[str, tuple[str, ...]]:
    """msgid → its forms (singular, plural), from the code and templates as they are now."""
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        forms = message if isinstance(message, tuple) else (message,)
        if forms[0]:
            found[forms[0]] = forms
    return found


def placeholders(text: str, *, without_count: bool = False) -> Counter:
    found = Counter(match.group() for match in PLACEHOLDER.finditer(text) if match.group() != "%%")
    if without_count:
        found.pop("%(num)d", None)
    return found


def lone_percent(text: str) -> bool:
    """A % that is not a placeholder: the translation would fail to format."""
    return "%" in PLACEHOLDER.sub("", text)


def problems(locale: str, sources: dict[str, tuple[str, ...]]) -> list[str]:
    catalogue = read_catalogue(ROOT / "regsvc" / "translations" / locale / "LC_MESSAGES" / "messages.po")
    one_is_alone = catalogue.num_plurals == 2  # the first form is for 1 only: "one seat"
    found = []
    for msgid, forms in sources.items():
        message = catalogue.get(msgid)
        strings = () if message is None else message.string
        strings = strings if isinstance(strings, tuple) else (strings,)
        if message is None or not all(strings):
            found.append(f"missing: {msgid!r}")
            continue
        if message.fuzzy:
            found.append(f"fuzzy: {msgid!r}")
        for n, string in enumerate(strings):
            source = forms[-1] if n else forms[0]
            alone = one_is_alone and n == 0 and len(forms) > 1
            if placeholders(string, without_count=alone) != placeholders(source, without_count=alone):
                found.append(f"placeholders differ: {msgid!r} → {string!r}")
            elif lone_percent(string) and not lone_percent(source):
                found.append(f"a lone % (write %%): {msgid!r} → {string!r}")
    return found


@pytest.fixture(scope="module")
def sources():
    return source_messages()


@pytest.mark.parametrize("locale", [*TRANSLATED, CYRILLIC])
def test_every_message_is_translated_without_fuzzy_entries_and_with_its_placeholders(sources, locale):
    found = problems(locale, sources)
    assert not found, f"{locale}: {len(found)} of {len(sources)} messages\n" + "\n".join(found[:40])


def test_the_check_finds_what_is_wrong():
    assert placeholders("%(name)s has %(num)d seats, 100%%") == Counter({"%(name)s": 1, "%(num)d": 1})
    assert lone_percent("100% je") and not lone_percent("100%% je %(x)s")
    assert placeholders("100% sigurno") == Counter({"% s": 1})  # read as a placeholder: differs too
    assert placeholders("Ostalo je %(num)d mesto", without_count=True) == Counter()
