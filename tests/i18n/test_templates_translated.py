"""Every word a template shows goes through a translation function: a check over
templates/**/*.html and *.txt that fails on user-visible text written outside _(), ngettext()
or {% trans %}. Punctuation, numbers, symbols, brand names, codes and {{ … }} expressions are
not words to translate."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment

from regsvc.layout import TEMPLATES

# Names and codes that are the same in every language.
UNTRANSLATED = re.compile(
    r"\b(?:regsvc|SMART Balkans|QR|CSV|PDF|XLSX|IBAN|SWIFT|BIC|RSD|MKD|EUR|ALL|BAM|ICS|ZIP|TOTP|UTC)\b"
)
# Attributes a person reads, or hears from a screen reader.
READ_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description", "label"}
EXPRESSION = " \x00 "  # where the template has {{ … }} or {% … %}


def words(text: str) -> str:
    """The letters left in `text` once expressions, names, codes and paths (/e/…/) are taken out."""
    text = UNTRANSLATED.sub("", text.replace(EXPRESSION, " "))
    text = re.sub(r"(?<!\w)/[^\s<]*", "", text)
    return " ".join(part for part in re.findall(r"[^\W\d_]+", text))


def template_text(source: str) -> str:
    """The template's own text, each expression and statement replaced by EXPRESSION. Left
    out: what {% trans %} translates, markup kept in a variable ({% set x %}…{% endset %}:
    attributes) and blocks of CSS classes ({% block main_class %}wide{% endblock %})."""
    out: list[str] = []
    skipping: str | None = None  # the statement whose end ends the skip
    previous = None
    for _line, kind, value in Environment(extensions=["jinja2.ext.i18n"]).lex(source):
        if kind == "name" and skipping is None:
            if value == "trans":
                skipping = "endtrans"
            elif value == "set" and previous == "block_begin":
                skipping = "endset"  # a {% set x = … %} ends on its own line: nothing to skip
            elif previous == "block" and value.endswith("class"):
                skipping = "endblock"
        elif kind == "name" and value == skipping:
            skipping = None
        if kind == "name" and value == "block" and previous == "block_begin":
            previous = "block"
        elif kind != "whitespace":
            previous = kind
        if kind == "data" and skipping is None:
            out.append(value)
        elif not out or out[-1] != EXPRESSION:
            out.append(EXPRESSION)
    return "".join(out)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skipping += 1
        attributes = dict(attrs)
        for name, value in attrs:
            read = name in READ_ATTRIBUTES or (
                tag == "input" and name == "value" and attributes.get("type") in ("submit", "button", "reset")
            )
            if read and value and words(value):
                self.found.append(f'{name}="{value.strip()}"')

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and words(data):
            self.found.append(" ".join(data.replace(EXPRESSION.strip(), "{…}").split()))


def untranslated(path: Path) -> list[str]:
    text = template_text(path.read_text(encoding="utf-8"))
    if path.suffix == ".txt":
        return [line.replace(EXPRESSION.strip(), "{…}").strip() for line in text.splitlines() if words(line)]
    parser = _Text()
    parser.feed(text)
    parser.close()
    return parser.found


TEMPLATE_FILES = sorted(path for pattern in ("**/*.html", "**/*.txt") for path in TEMPLATES.glob(pattern))


def test_the_check_finds_text_outside_translation_functions(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '<h1>{{ _("Welcome") }}</h1><p title="Opens a map">Seats left: {{ seats }}</p>'
        '<input type="submit" value="Send"><img alt="{{ _(\'Logo\') }}"> · 42 € regsvc'
        "{% trans %}Kept apart{% endtrans %}<script>let x = 'code';</script>"
    )
    assert untranslated(page) == ['title="Opens a map"', "Seats left: {…}", 'value="Send"']
    mail = tmp_path / "mail.txt"
    mail.write_text(
        '{% block subject %}{{ _("Hello") }}{% endblock %}\n{{ _("When") }}: {{ day }}\nBye now\n'
    )
    assert untranslated(mail) == ["Bye now"]


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_no_template_shows_text_outside_translation_functions(path):
    assert untranslated(path) == []
