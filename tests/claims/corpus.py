"""Receipt files for the tests, good and bad, made in code so that the repository stays small.

Photos carry coloured marks at known corners, so that a test can tell which way up a
stored picture is: RED at the top left *as the sensor saw it*, BLUE at the bottom left.
A phone held upright saves its landscape sensor picture with EXIF orientation 6
("turn 90° clockwise to view"); viewed upright, RED is then at the top right and BLUE at
the top left.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable

import pillow_heif
from PIL import ExifTags, Image, ImageCms
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, PdfObject, TextStringObject

RED = (230, 20, 20)
BLUE = (20, 20, 230)
GREY = (128, 128, 128)
MARK = 0.1  # side of a corner mark, as a fraction of the shorter side

pillow_heif.register_heif_opener()


def _marked(width: int, height: int) -> Image.Image:
    picture = Image.new("RGB", (width, height), GREY)
    side = int(min(width, height) * MARK)
    picture.paste(RED, (0, 0, side, side))
    picture.paste(BLUE, (0, height - side, side, height))
    return picture


def phone_exif(orientation: int = 6) -> Image.Exif:
    """What a phone writes: make and model, orientation, and where the photo was taken (Belgrade)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phonemaker"
    exif[ExifTags.Base.Model] = "Phone 12"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (44.0, 49.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (20.0, 27.0, 36.0)
    return exif


GPS_XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="44,49.2N"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


def phone_photo(width: int = 4000, height: int = 3000, *, orientation: int = 6, quality: int = 90) -> bytes:
    """A landscape sensor picture saved as a phone does: EXIF orientation and GPS, XMP with
    GPS, an sRGB colour profile and a comment."""
    buffer = io.BytesIO()
    _marked(width, height).save(
        buffer,
        "JPEG",
        quality=quality,
        exif=phone_exif(orientation).tobytes(),
        xmp=GPS_XMP,
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
        comment=b"taken at Kralja Milana 27",
    )
    return buffer.getvalue()


def heic_photo(width: int = 1200, height: int = 900, *, orientation: int = 6) -> bytes:
    """A HEIC photo as an iPhone saves it, with orientation and GPS in its EXIF."""
    buffer = io.BytesIO()
    _marked(width, height).save(buffer, "HEIF", quality=70, exif=phone_exif(orientation).tobytes())
    return buffer.getvalue()


def image_bytes(picture: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format, **options)
    return buffer.getvalue()


def marked_picture(width: int, height: int) -> Image.Image:
    return _marked(width, height)


def truncated(format: str) -> bytes:
    """A photo cut off half-way, as an interrupted copy leaves it."""
    whole = image_bytes(Image.effect_noise((800, 600), 50).convert("RGB"), format)
    return whole[: len(whole) // 2]


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def blank_png(width: int, height: int) -> bytes:
    """A valid black-and-white PNG of any size, tiny on disk: its rows of zeros compress a
    thousandfold. At 20,000 × 20,000 it is a decompression bomb of 400 megapixels."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then 8 pixels a byte
    compressor = zlib.compressobj(9)
    compressed = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", compressed)
        + _png_chunk(b"IEND", b"")
    )


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
    b'<script type="text/javascript">fetch("/staff/finance").then(r => r.text()).then(alert)</script>'
    b'<rect width="100" height="100" fill="red"/></svg>\n'
)

TEXT_AS_JPEG = b"Bus ticket Nis - Beograd, 1800 RSD\nThis is a text file, not a photo.\n"


def eleven_megabytes() -> bytes:
    """Starts like a JPEG, so only its size can refuse it."""
    return b"\xff\xd8\xff\xe0" + b"\x00" * (11 * 1024 * 1024)


# -- PDFs, written by hand so that every object is known ------------------------------------


def pdf(*objects: bytes, trailer: bytes = b"") -> bytes:
    """A PDF of `objects` (object 1 is the catalog) with a correct cross-reference table;
    `trailer`: more entries of the trailer."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\n" % (len(objects) + 1, trailer)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _stream(content: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"


_PAGE_CONTENT = (
    b"0.9 0.1 0.1 rg 36 700 200 100 re f\n"  # a red box at the top left of the page
    b"0 g BT /F1 24 Tf 36 650 Td (Autobuska stanica Nis - Beograd 1800 RSD) Tj ET\n"
)


def _one_page_pdf(catalog_extra: bytes = b"", page_extra: bytes = b"", *more: bytes) -> bytes:
    return pdf(
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> " + page_extra + b">>",
        _stream(_PAGE_CONTENT),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *more,
    )


def clean_pdf() -> bytes:
    """An e-ticket: one A4 page, opening at page 1 and with a web link (both harmless)."""
    return _one_page_pdf(
        b"/OpenAction [3 0 R /Fit] ",
        b"/Annots [6 0 R] ",
        b"<< /Type /Annot /Subtype /Link /Rect [36 600 300 620] /BS << /S /S /W 1 >>"
        b" /A << /S /URI /URI (https://bus.example.org/ticket) >> >>",
    )


def pdf_receipt(pages: int = 2) -> bytes:
    """A plain receipt of several A4 pages, each saying its number ("page 2")."""
    kids = b" ".join(b"%d 0 R" % (4 + 2 * index) for index in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for index in range(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R"
            b" /Resources << /Font << /F1 3 0 R >> >> >>" % (5 + 2 * index)
        )
        objects.append(_stream(_PAGE_CONTENT + b"BT /F1 18 Tf 36 600 Td (page %d) Tj ET\n" % (index + 1)))
    return pdf(*objects)


def pdf_with_javascript() -> bytes:
    return _one_page_pdf(b"/OpenAction << /S /JavaScript /JS (app.alert('hello');) >> ")


def pdf_with_hidden_javascript() -> bytes:
    """The same, with names spelt in #-escapes and the action behind a reference, so that only
    parsing finds it."""
    return _one_page_pdf(b"/OpenAction 6 0 R ", b"", b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>")


def pdf_with_action_named_by_reference() -> bytes:
    return _one_page_pdf(b"/OpenAction << /S 6 0 R /F (calc.exe) >> ", b"", b"/L#61unch")


def pdf_launching_a_program() -> bytes:
    return _one_page_pdf(b"", b"/AA << /O << /S /Launch /F (calc.exe) >> >> ")


def pdf_with_attachment() -> bytes:
    return _one_page_pdf(
        b"/Names << /EmbeddedFiles << /Names [(invoice.exe) 6 0 R] >> >> ",
        b"",
        b"<< /Type /Filespec /F (invoice.exe) /EF << /F 7 0 R >> >>",
        b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream",
    )


def pdf_encrypted_for_a_certificate() -> bytes:
    """Encrypted for the holder of a certificate (the public-key handler), not with a password:
    a kind of encryption pypdf cannot open at all."""
    return pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [] /Count 0 >>",
        b"<< /Filter /Adobe.PubSec /SubFilter /adbe.pkcs7.s5 /V 4 /Length 128"
        b" /CF << /DefaultCryptFilter << /CFM /AESV2 /Recipients [<3082>] >> >>"
        b" /StmF /DefaultCryptFilter /StrF /DefaultCryptFilter >>",
        trailer=b"/Encrypt 3 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] ",
    )


# -- PDFs written by pypdf, as other programs write them -------------------------------------


def _rewritten(change: Callable[[PdfWriter], None]) -> bytes:
    """The e-ticket (`clean_pdf`) after `change`, written out by pypdf."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(clean_pdf())))
    change(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def encrypted_pdf(algorithm: str = "RC4-128", user_password: str = "") -> bytes:
    """Protected by an owner password, and by `user_password` to open it; without one it opens
    as bank statements often do."""
    return _rewritten(lambda writer: writer.encrypt(user_password, "bank", algorithm=algorithm))


_RECT = ArrayObject([NumberObject(36), NumberObject(500), NumberObject(300), NumberObject(520)])


def action(kind: str, **entries: PdfObject | str) -> DictionaryObject:
    """An action dictionary of type `kind` ("/URI", "/Launch"…) with `entries` (strings or PDF objects)."""
    made = DictionaryObject({NameObject("/Type"): NameObject("/Action"), NameObject("/S"): NameObject(kind)})
    for key, value in entries.items():
        made[NameObject(f"/{key}")] = TextStringObject(value) if isinstance(value, str) else value
    return made


def web_link() -> DictionaryObject:
    return action("/URI", URI="https://tracker.example.net/opened")


def pdf_opening(kind: str, **entries: PdfObject | str) -> bytes:
    """The e-ticket running an action (see `action`) when it is opened: its /OpenAction."""
    opening = action(kind, **entries)
    return _rewritten(lambda writer: writer.root_object.update({NameObject("/OpenAction"): opening}))


def pdf_with_link_into_an_embedded_file() -> bytes:
    """The e-ticket with a link that opens a PDF embedded in it (a /GoToE action), when clicked."""
    target = DictionaryObject(
        {NameObject("/R"): NameObject("/C"), NameObject("/N"): TextStringObject("a.pdf")}
    )
    link = {"/Type": "/Annot", "/Subtype": "/Link", "/Rect": _RECT, "/A": action("/GoToE", T=target)}
    return _rewritten(lambda writer: writer.add_annotation(0, link))


def pdf_with_javascript_name_tree() -> bytes:
    """Document-level JavaScript, which readers run on opening (pypdf's own way to add it)."""
    return _rewritten(lambda writer: writer.add_open_action(JavaScript("app.alert('hello');")))


def pdf_with_embedded_file() -> bytes:
    return _rewritten(lambda writer: writer.add_attachment("invoice.exe", b"MZ"))


def pdf_with_additional_action(where: str) -> bytes:
    """The e-ticket with additional actions (/AA: run on events, not on clicks) opening a web page,
    on the "catalog" (as the document closes), a "page" (as it opens), an "annotation" (as the
    pointer enters a link) or a "form field" (as it gets the focus)."""
    trigger = {"catalog": "/WC", "page": "/O", "annotation": "/E", "form field": "/Fo"}[where]
    actions = DictionaryObject({NameObject(trigger): web_link()})

    def change(writer: PdfWriter) -> None:
        if where == "catalog":
            writer.root_object[NameObject("/AA")] = actions
        elif where == "page":
            writer.pages[0][NameObject("/AA")] = actions
        elif where == "annotation":
            writer.add_annotation(0, {"/Type": "/Annot", "/Subtype": "/Link", "/Rect": _RECT, "/AA": actions})
        else:
            field = {"/Type": "/Annot", "/Subtype": "/Widget", "/FT": "/Tx", "/T": TextStringObject("name")}
            added = writer.add_annotation(0, {**field, "/Rect": _RECT, "/AA": actions})
            writer.root_object[NameObject("/AcroForm")] = DictionaryObject(
                {NameObject("/Fields"): ArrayObject([added.indirect_reference])}
            )

    return _rewritten(change)


BROKEN_PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R\n"
