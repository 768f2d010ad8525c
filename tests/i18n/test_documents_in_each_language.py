"""The claim PDF and the sign-in sheet, read back with pdftotext, in Serbian Cyrillic and
Macedonian: their words from the catalogues, their dates in that language, and the sheet's
names in that language's alphabet."""

from datetime import UTC, datetime
from io import BytesIO

import pytest
from flask_babel import refresh
from pypdf import PdfReader

from regsvc.claims.documents import claim_pdf
from regsvc.storage import current_storage
from tests.claims.conftest import finance_user, submitted  # noqa: F401  (fixtures)
from tests.claims.test_documents import pdf_text
from tests.documents.helpers import row, sign_in_sheet_pdf
from tests.i18n.catalogue import translation

BROWSER_TAGS = {"sr_Cyrl": "sr-Cyrl", "mk": "mk"}
EVENT_DAY = {"sr_Cyrl": "понедељак, 30. јун 2031. 11:30", "mk": "понеделник, 30 јуни 2031, 11:30"}


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("locale", ["sr_Cyrl", "mk"])
def test_the_claim_pdf_is_in_the_readers_language(app, submitted, locale):  # noqa: F811
    claim = submitted(full_name="Ана Петровска")
    with app.test_request_context("/", headers={"Accept-Language": BROWSER_TAGS[locale]}):
        refresh()  # the language of this request, not one the test's app context kept
        with app.extensions["regsvc.db"].Session() as reader:
            data = claim_pdf(reader, claim, current_storage())
    text = one_line(pdf_text(data)).casefold()  # headings are set in capitals
    for message in ("Travel refund claim", "Participant", "Receipts", "Total claimed", "History"):
        assert translation(locale, message).casefold() in text, message
    assert "travel refund claim" not in text
    assert "ана петровска" in text


@pytest.mark.parametrize("locale", ["sr_Cyrl", "mk"])
def test_the_sign_in_sheet_is_in_the_lists_language_and_alphabet(app, make_event, tmp_path, locale):
    event = make_event(
        title="Национална конференција",
        starts_at=datetime(2031, 6, 30, 9, 30, tzinfo=UTC),
        ends_at=datetime(2031, 6, 30, 15, 0, tzinfo=UTC),
    )
    rows = [row(name) for name in ("Ana Čolić", "Марко Цветковић", "Đorđe Đurić", "Љубица Лазић")]
    pdf = sign_in_sheet_pdf(event, rows, translation(locale, "On-site participants"), locale=locale)
    assert len(PdfReader(BytesIO(pdf)).pages) == 1
    text = one_line(pdf_text(pdf))
    for message in ("Full name", "Organisation", "Town", "Signature"):
        assert translation(locale, message) in text, message
    assert translation(locale, "Page %(page)d of %(pages)d") % {"page": 1, "pages": 1} in text
    assert EVENT_DAY[locale] in text
    # One alphabet: Ђ/Đ after Д, Л, Ц, Ч (Macedonian reads Đ as Ѓ, also after Д).
    order = [text.index(name) for name in ("Đorđe Đurić", "Љубица Лазић", "Марко Цветковић", "Ana Čolić")]
    assert order == sorted(order)
