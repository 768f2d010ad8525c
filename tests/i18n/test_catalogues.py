"""The Serbian Cyrillic catalogue is the Latin one in Cyrillic letters, and every compiled
catalogue is up to date with the one it is made from."""

import pytest
from babel.messages.catalog import Catalog

from regsvc.catalogues import TRANSLATIONS, built_files, cyrillic_catalogue, mo_bytes, to_cyrillic


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("Prijava za učešće uživo", "Пријава за учешће уживо"),
        ("Đorđe, Ćirić, Šarić, Žarko, Čačak", "Ђорђе, Ћирић, Шарић, Жарко, Чачак"),
        ("Ljubica i Njegoš, džep", "Љубица и Његош, џеп"),
        ("LJUBICA NJEGOŠ DŽEMAL", "ЉУБИЦА ЊЕГОШ ЏЕМАЛ"),
        ("Džemal Ljubić Njegovan", "Џемал Љубић Његован"),
        # The letters of a digraph that are two letters there.
        ("nadživeti, podžupan, injekcija", "надживети, поджупан, инјекција"),
    ],
)
def test_latin_letters_and_digraphs_become_cyrillic(latin, cyrillic):
    assert to_cyrillic(latin) == cyrillic


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("Poštovani/a %(name)s, ostalo je %(num)d mesta", "Поштовани/а %(name)s, остало је %(num)d места"),
        ("Popust %d%% na %s", "Попуст %d%% на %s"),
        ("Pišite na info@smartbalkans.org", "Пишите на info@smartbalkans.org"),
        (
            "Link: https://regsvc.test/r/abc?lang=sr ili www.crpm.org.mk",
            "Линк: https://regsvc.test/r/abc?lang=sr или www.crpm.org.mk",
        ),
        ("Sajt smartbalkans.org", "Сајт smartbalkans.org"),
        (
            '<a href="%(url)s" class="button">Otvori</a> &amp; &#8211;',
            '<a href="%(url)s" class="button">Отвори</a> &amp; &#8211;',
        ),
        ("regsvc i SMART Balkans", "regsvc и SMART Balkans"),
        ("Iznos u RSD, MKD, EUR, ALL ili BAM", "Износ у RSD, MKD, EUR, ALL или BAM"),
        ("PDF, CSV, XLSX, QR kod, IBAN", "PDF, CSV, XLSX, QR код, IBAN"),
        (
            "Aegis, FreeOTP, Google Authenticator ili Microsoft Authenticator",
            "Aegis, FreeOTP, Google Authenticator или Microsoft Authenticator",
        ),
        ("Wi-Fi i Excel", "Wi-Fi и Excel"),
        ("Dodaj u moj kalendar (.ics), tabela .csv", "Додај у мој календар (.ics), табела .csv"),
    ],
)
def test_placeholders_addresses_markup_brands_and_codes_stay_as_they_are(latin, cyrillic):
    assert to_cyrillic(latin) == cyrillic


def test_the_cyrillic_catalogue_has_every_message_of_the_latin_one_with_its_flags():
    latin = Catalog(locale="sr_Latn")
    latin.add("Register", "Prijavite se")
    latin.add("Seats", "Mesta", flags=["fuzzy"])
    latin.add(
        ("%(num)d seat left", "%(num)d seats left"),
        ("Ostalo je %(num)d mesto", "Ostala su %(num)d mesta", "Ostalo je %(num)d mesta"),
        flags=["python-format"],
    )
    latin.add("Not yet", "")
    cyrillic = cyrillic_catalogue(latin)
    assert cyrillic.locale_identifier == "sr_Cyrl"
    assert cyrillic.num_plurals == 3
    assert cyrillic["Register"].string == "Пријавите се"
    assert cyrillic["Seats"].fuzzy
    assert cyrillic["%(num)d seat left"].string == (
        "Остало је %(num)d место",
        "Остала су %(num)d места",
        "Остало је %(num)d места",
    )
    assert cyrillic["Not yet"].string == ""
    compiled = mo_bytes(cyrillic)
    assert "Пријавите се".encode() in compiled
    assert "Места".encode() not in compiled  # fuzzy: left out, as pybabel compile does


def test_the_committed_catalogues_are_built_from_their_sources():
    """Fails when a .po changed without `make catalogues` (or `make messages`) being run:
    the Cyrillic catalogue and the .mo files the application reads would be out of date."""
    stale = [
        str(path.relative_to(TRANSLATIONS))
        for path, content in built_files().items()
        if not path.exists() or path.read_bytes() != content
    ]
    assert not stale, f"run `make catalogues` and commit what it writes: {', '.join(stale)} out of date"
