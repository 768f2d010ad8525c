"""What the catalogues say, read at test time from the compiled files the application reads:
tests look for the translations of known messages, so that they pass once a catalogue is
filled and fail while a page is English."""

from functools import cache
from html import unescape
from html.parser import HTMLParser

from babel.messages.mofile import read_mo

from regsvc.catalogues import TRANSLATIONS, po_path, read_catalogue

TRANSLATED_LOCALES = ["sr_Latn", "sr_Cyrl", "mk", "sq"]


@cache
def _catalogue(locale: str):
    with po_path(locale, TRANSLATIONS).with_suffix(".mo").open("rb") as mo_file:
        return read_mo(mo_file)


def translation(locale: str, msgid: str, n: int = 0) -> str:
    """The catalogue's translation of `msgid` (its form `n`, for a plural entry); fails the
    test, saying so, while it has none."""
    message = _catalogue(locale).get(msgid)
    strings = "" if message is None else message.string
    string = strings[n] if isinstance(strings, tuple) else strings
    assert string, f"{locale} does not translate {msgid!r} yet"
    return string


@cache
def _template():
    return read_catalogue(TRANSLATIONS / "messages.pot")


def translatable(msgid: str) -> bool:
    """Whether `msgid` is a message to translate (one without placeholders)."""
    message = _template().get(msgid)
    return message is not None and not message.pluralizable and "%" not in msgid


class _Texts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: set[str] = set()
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in ("script", "style", "title")
        for name, value in attrs:
            if name in ("aria-label", "placeholder", "title", "alt") and value:
                self.texts.add(" ".join(value.split()))

    def handle_endtag(self, tag):
        self.skipping -= tag in ("script", "style", "title")

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self.skipping:
            self.texts.add(text)


def page_texts(html: str) -> set[str]:
    """Each piece of text a page shows, as it reads (spaces folded)."""
    parser = _Texts()
    parser.feed(html)
    parser.close()
    return parser.texts


def page_text(html: str) -> str:
    return " ".join(sorted(page_texts(html))) + " " + " ".join(unescape(html).split())
