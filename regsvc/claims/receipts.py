"""Receipt files: checked by content, cleaned, and turned into what we store.

A participant uploads a phone photo (JPEG, PNG, WebP, HEIC/HEIF) or a PDF. `process_upload`
either refuses it with a `ReceiptRejected` whose message says what is wrong in plain words,
or returns a `ProcessedReceipt` ready to be stored:

- photos are decoded with a pixel limit, turned upright from EXIF, scaled to at most
  MAX_SIDE pixels and re-encoded as JPEG with no metadata at all (no EXIF, GPS, XMP, ICC,
  comments). The original is *not* kept: it is what carries the GPS position. Only its
  SHA-256 is, so that finance sees when the same file was used in another claim; the JPEG
  stored has a SHA-256 of its own, which is what the claim PDF prints for auditors.
- PDFs are kept byte for byte, after a check that they parse, are not encrypted and hold no
  scripts, automatic actions or attached files; their first page is rendered (by Poppler's
  `pdftoppm`, in a separate process with a time and memory limit) to a JPEG preview.
- every receipt gets a small JPEG thumbnail for lists.

The file name is never part of a stored path; `display_name` makes it fit to show.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import tempfile
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

import pillow_heif
from flask_babel import lazy_gettext as _l
from PIL import ExifTags, Image, ImageCms, ImageFile
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, is_null_or_none
from sqlalchemy import select
from sqlalchemy.orm import Session

from regsvc.claims.models import Receipt
from regsvc.storage import Storage, place_on_commit

MAX_BYTES = 10 * 1024 * 1024  # per file, checked before anything is decoded
MAX_RECEIPTS_PER_CLAIM = 10
MAX_SIDE = 2400  # longest side of a stored photo
# A 12-megapixel phone photo with room to spare (48 MP sensors save 12 MP by default);
# a decompression bomb is hundreds of megapixels.
MAX_PIXELS = 40_000_000
THUMBNAIL_SIDE = 320
PREVIEW_SIDE = 1600  # longest side of a PDF's first page, rendered
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80
PDF_RENDER_SECONDS = 20
PDF_RENDER_MEMORY = 1024 * 1024 * 1024  # address space of the pdftoppm process

# Depth maps and other auxiliary images of HEIC photos are never needed.
pillow_heif.register_heif_opener(depth_images=False, aux_images=False)


class ReceiptKind(StrEnum):
    IMAGE = "image"
    PDF = "pdf"


class ReceiptRejected(ValueError):
    """An upload that is refused; `message` says why, in the participant's language."""

    def __init__(self, code: str, message):
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class ReceiptFile:
    data: bytes
    mime: str

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "application/pdf": "pdf"}[self.mime]


@dataclass(frozen=True)
class ProcessedReceipt:
    kind: ReceiptKind
    mime: str  # of the upload, as its content shows: image/jpeg, image/heic, application/pdf…
    size: int  # bytes of the upload
    sha256: str  # hex digest of the upload as received, for finding the same file in other claims
    display_name: str  # the uploader's file name, fit to show, never used as a path
    document: ReceiptFile  # what finance opens: the cleaned JPEG, or the original PDF
    preview: ReceiptFile | None  # PDFs: the first page as JPEG; photos are their own preview
    thumbnail: ReceiptFile
    width: int  # of the stored photo, or of the preview
    height: int

    @property
    def image(self) -> ReceiptFile:
        """The picture to show or put into the claim PDF."""
        return self.preview or self.document

    @property
    def stored_sha256(self) -> str:
        """Hex digest of `document`, the file stored, served and attached to the archival claim PDF:
        what an auditor can recompute. A photo's differs from `sha256`, as the photo is re-encoded."""
        return hashlib.sha256(self.document.data).hexdigest()


# -- refusals, each with its own code and message ---------------------------------------


def _empty():
    return ReceiptRejected("empty", _l("The file is empty. Choose the photo or PDF of the receipt again."))


def _too_large():
    return ReceiptRejected(
        "too_large",
        _l(
            "The file is larger than %(megabytes)d MB. Send a smaller photo or PDF of the receipt.",
            megabytes=MAX_BYTES // (1024 * 1024),
        ),
    )


def _unsafe_name():
    return ReceiptRejected(
        "unsafe_name",
        _l("The file name contains “../”, which is not allowed. Rename the file and choose it again."),
    )


def _svg():
    return ReceiptRejected(
        "svg",
        _l("SVG drawings are not accepted, because they can contain programs. Send a photo or a PDF."),
    )


def _disguised(extension: str):
    return ReceiptRejected(
        "not_what_name_says",
        _l(
            "The file is named “.%(extension)s”, but it is not a photo or a PDF inside. "
            "Send the photo or PDF of the receipt itself.",
            extension=extension,
        ),
    )


def _unsupported():
    return ReceiptRejected(
        "unsupported_type",
        _l("This kind of file is not accepted. Send a photo (JPEG, PNG, WebP, HEIC) or a PDF."),
    )


def _corrupt_image():
    return ReceiptRejected(
        "corrupt_image",
        _l("The photo is damaged or incomplete, perhaps cut off during copying. Take or send it again."),
    )


def _too_many_pixels():
    return ReceiptRejected(
        "too_many_pixels",
        _l(
            "The picture has more than %(megapixels)d megapixels, more than any phone photo. "
            "Send a smaller picture.",
            megapixels=MAX_PIXELS // 1_000_000,
        ),
    )


def _corrupt_pdf():
    return ReceiptRejected(
        "corrupt_pdf", _l("The PDF cannot be read: it is damaged or incomplete. Save or download it again.")
    )


def _encrypted_pdf():
    return ReceiptRejected(
        "encrypted_pdf",
        _l("The PDF is protected with a password. Save or print it as a PDF without one, or send a photo."),
    )


def _pdf_script():
    return ReceiptRejected(
        "pdf_script",
        _l(
            "The PDF contains a script or an automatic action, which is not accepted. "
            "Print it to a new PDF, or send a photo of the receipt."
        ),
    )


def _pdf_attachment():
    return ReceiptRejected(
        "pdf_attachment",
        _l(
            "The PDF has other files attached inside it, which is not accepted. "
            "Print it to a new PDF, or send a photo of the receipt."
        ),
    )


def _pdf_too_complex():
    return ReceiptRejected(
        "pdf_too_complex",
        _l("The PDF takes too long to display. Print it to a new PDF, or send a photo."),
    )


def check_room_for_receipt(receipts_on_claim: int) -> None:
    """Refuse another receipt when the claim already has the most it may have."""
    if receipts_on_claim >= MAX_RECEIPTS_PER_CLAIM:
        raise ReceiptRejected(
            "too_many_receipts",
            _l("A claim can have at most %(count)d receipts.", count=MAX_RECEIPTS_PER_CLAIM),
        )


# -- names ---------------------------------------------------------------------------------

_ACCEPTED_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "webp", "heic", "heif", "pdf"})
MAX_DISPLAY_NAME = 120


def display_name(filename: str | None) -> str:
    """The uploader's file name fit to show: no folders, no control or direction characters."""
    name = unicodedata.normalize("NFC", filename or "")
    name = " ".join(re.split(r"[/\\]", name)[-1].split())
    # Category C: control characters, and format characters such as the right-to-left
    # override that makes "receipt‮gpj.exe" look like "receiptexe.jpg".
    name = "".join(char for char in name if not unicodedata.category(char).startswith("C")).strip(" .")
    if len(name) > MAX_DISPLAY_NAME:
        # Shortened before the extension, which is kept: "Račun za autobu….pdf".
        stem, dot, extension = name.rpartition(".")
        ending = f".{extension}" if dot and len(extension) <= 5 else ""
        name = name[: MAX_DISPLAY_NAME - len(ending) - 1].rstrip() + "…" + ending
    return name or "receipt"


def _climbs_out(filename: str) -> bool:
    return ".." in re.split(r"[/\\]", filename or "")


def _extension_of(filename: str) -> str:
    stem, dot, extension = display_name(filename).rpartition(".")
    return extension.lower() if dot else ""


# -- recognising the type by content --------------------------------------------------------

_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_HEIF_BRANDS = frozenset({b"mif1", b"msf1"})
# Which Pillow plugins may read each type: never let Pillow guess from all it knows.
_PILLOW_FORMATS = {
    "image/jpeg": ("JPEG", "MPO"),  # MPO: a JPEG with extra frames, as some cameras save
    "image/png": ("PNG",),
    "image/webp": ("WEBP",),
    "image/heic": ("HEIF",),
    "image/heif": ("HEIF",),
}


def detect_type(data: bytes) -> str | None:
    """The MIME type of an accepted kind of file, from its first bytes; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in _HEIC_BRANDS:
            return "image/heic"
        if brand in _HEIF_BRANDS:
            return "image/heif"
    # Readers accept the header anywhere in the first 1024 bytes; so do we.
    if b"%PDF-" in data[:1024]:
        return "application/pdf"
    return None


def _looks_like_svg(data: bytes) -> bool:
    start = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<?xml", b"<svg", b"<!doctype svg", b"<!--")) and b"<svg" in start


# -- the pipeline -----------------------------------------------------------------------------


def read_limited(stream: BinaryIO) -> bytes:
    """Read an upload, but never more than one byte past the limit (enough to refuse it)."""
    return stream.read(MAX_BYTES + 1)


def process_upload(data: bytes, filename: str) -> ProcessedReceipt:
    """Check and clean one uploaded receipt file; raises ReceiptRejected. Touches no database or disk
    (except a temporary folder for rendering a PDF's first page)."""
    if not data:
        raise _empty()
    if len(data) > MAX_BYTES:
        raise _too_large()
    if _climbs_out(filename):
        raise _unsafe_name()
    mime = detect_type(data)
    if mime is None:
        if _looks_like_svg(data):
            raise _svg()
        extension = _extension_of(filename)
        raise _disguised(extension) if extension in _ACCEPTED_EXTENSIONS else _unsupported()

    common: dict[str, Any] = dict(
        mime=mime,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        display_name=display_name(filename),
    )
    if mime == "application/pdf":
        _check_pdf(data)
        preview = _render_first_page(data)
        picture = _open_preview(preview)
        return ProcessedReceipt(
            kind=ReceiptKind.PDF,
            document=ReceiptFile(data, "application/pdf"),
            preview=ReceiptFile(preview, "image/jpeg"),
            thumbnail=_thumbnail(picture),
            width=picture.width,
            height=picture.height,
            **common,
        )
    picture = _clean_picture(data, mime)
    return ProcessedReceipt(
        kind=ReceiptKind.IMAGE,
        document=ReceiptFile(_jpeg(picture, JPEG_QUALITY), "image/jpeg"),
        preview=None,
        thumbnail=_thumbnail(picture),
        width=picture.width,
        height=picture.height,
        **common,
    )


# -- photos ------------------------------------------------------------------------------------

# EXIF orientation → the turn or flip that makes the picture upright.
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SRGB = ImageCms.createProfile("sRGB")
# Made for scaling down: sharper than bilinear at the same cost, and faster than bicubic on
# the step that takes most of a 12-megapixel photo's time (bench/claims.py measures it).
_DOWNSCALING = Image.Resampling.HAMMING


def _fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """`size` scaled down (never up) so that its longest side is at most `longest`."""
    width, height = size
    scale = min(1.0, longest / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _clean_picture(data: bytes, mime: str) -> Image.Image:
    """Decode a photo and return it upright, at most MAX_SIDE, RGB or L, with no metadata."""
    image = _open_within_limits(data, mime)
    target = _fit(image.size, MAX_SIDE)
    _decode(image, target)
    # Read after decoding: a PNG may keep its EXIF after the pixels.
    orientation = _orientation(image)
    icc_profile = image.info.get("icc_profile")
    picture = _plain_mode(image)
    if picture.size != target:
        picture = picture.resize(target, _DOWNSCALING, reducing_gap=2.0)
    picture = _in_srgb(picture, icc_profile)
    if orientation in _UPRIGHT:
        # Turned after scaling down: fewer pixels to move.
        picture = picture.transpose(_UPRIGHT[orientation])
    picture.info = {}  # EXIF, XMP, ICC, comments: none of it is written out
    return picture


def _open_within_limits(data: bytes, mime: str) -> Image.Image:
    try:
        # Reads the header only: the size is known before any pixel is decoded.
        image = Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS[mime])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as bomb:
        # Pillow's own limit (far above ours) refuses, or warns when warnings are errors.
        raise _too_many_pixels() from bomb
    except Exception as error:  # decoders of untrusted input raise all kinds of exceptions
        raise _corrupt_image() from error
    if image.width * image.height > MAX_PIXELS:
        raise _too_many_pixels()
    return image


# WeasyPrint, once imported, sets ImageFile.LOAD_TRUNCATED_IMAGES for the whole process, and a
# cut-off photo would then decode with its missing part grey. Receipts are decoded with the
# flag off; the lock keeps concurrent uploads from restoring it under each other's feet.
_strict_decoding = threading.Lock()


@contextmanager
def _refusing_truncated_images() -> Iterator[None]:
    with _strict_decoding:
        lenient = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = lenient


def _decode(image: Image.Image, target: tuple[int, int]) -> None:
    # JPEG (and HEIC with a large embedded thumbnail) can decode at 1/2, 1/4 or 1/8 scale,
    # much faster than decoding every pixel and scaling down; draft never goes below `target`.
    try:
        with _refusing_truncated_images():
            image.draft(None, target)
            image.load()
    except Exception as error:
        raise _corrupt_image() from error


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(ExifTags.Base.Orientation, 1))
    except Exception:  # unreadable EXIF: show the picture as it is stored
        return 1


def _plain_mode(image: Image.Image) -> Image.Image:
    """RGB, L or CMYK: what JPEG stores. Transparent parts become white, as on paper."""
    if image.mode in ("RGB", "L", "CMYK"):
        return image
    if image.has_transparency_data:
        rgba = image.convert("RGBA")
        paper = Image.new("RGB", rgba.size, "white")
        paper.paste(rgba, mask=rgba.getchannel("A"))
        return paper
    if image.mode.startswith("I;16") or image.mode == "I":
        # 16-bit grey (some scanners): keep the top 8 bits rather than clip at 255.
        return image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode == "1":
        return image.convert("L")
    return image.convert("RGB")


def _in_srgb(picture: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Colours converted to sRGB, so that dropping the colour profile changes nothing visible
    (iPhones save Display P3). Most phones already write sRGB: those pixels are left as they are,
    since converting every pixel is slow."""
    if icc_profile and picture.mode in ("RGB", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            already_srgb = ImageCms.getProfileDescription(source).lower().startswith("srgb")
            if picture.mode == "CMYK" or not already_srgb:
                converted = ImageCms.profileToProfile(picture, source, _SRGB, outputMode="RGB")
                if converted is not None:  # None only when asked to convert in place
                    return converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: the colours stay as they are
    return picture.convert("RGB") if picture.mode == "CMYK" else picture


def _jpeg(picture: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _thumbnail(picture: Image.Image) -> ReceiptFile:
    small = picture.resize(_fit(picture.size, THUMBNAIL_SIDE), _DOWNSCALING, reducing_gap=2.0)
    small.info = {}
    return ReceiptFile(_jpeg(small, THUMBNAIL_QUALITY), "image/jpeg")


# -- PDFs --------------------------------------------------------------------------------------

# Keys whose presence means code that a PDF reader may run, actions it runs by itself
# (/AA: on opening a page, pointing at a link, leaving a form field…), or files carried inside.
_SCRIPT_KEYS = frozenset({"/JS", "/JavaScript", "/XFA", "/AA"})
_ATTACHMENT_KEYS = frozenset({"/EmbeddedFiles", "/EF"})
# Actions (/S) that run code, open other files or programs, or send data somewhere.
# Going to a page (/GoTo), opening a web link (/URI) and named menu actions are harmless when
# the reader clicks them; run by themselves (/OpenAction, /AA), all but going to a page are refused.
_SCRIPT_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToR",
        "/RichMediaExecute",
        "/Rendition",
        "/Movie",
        "/Sound",
    }
)
# /GoToE opens a file embedded in this PDF or in another one.
_ATTACHMENT_ACTIONS = frozenset({"/GoToE"})
_ATTACHMENT_TYPES = frozenset({"/EmbeddedFile", "/FileAttachment", "/RichMedia"})
# The same names spelt out in the file's bytes: catches objects that the cross-reference
# table hides from a parser but a reader repairing the file would find. Only long names,
# so that compressed data cannot contain them by chance.
_RAW_SCRIPT = re.compile(rb"/(?:JavaScript|Launch|SubmitForm|ImportData)(?![A-Za-z0-9#])")
_RAW_ATTACHMENT = re.compile(rb"/(?:EmbeddedFiles?|RichMedia)(?![A-Za-z0-9#])")
# The trailer's entry of an encrypted file: it is never encrypted itself.
_RAW_ENCRYPT = re.compile(rb"/Encrypt(?![A-Za-z0-9#])")


def _check_pdf(data: bytes) -> None:
    reader = _open_pdf(data)
    try:
        if len(reader.pages) == 0:
            raise _corrupt_pdf()
        found = next(_active_content([reader.trailer, *_all_objects(reader)]), None)
    except ReceiptRejected:
        raise
    except Exception as error:  # pypdf raises many kinds of exceptions on broken files
        raise _corrupt_pdf() from error
    if found == "script" or _RAW_SCRIPT.search(data):
        raise _pdf_script()
    if found == "attachment" or _RAW_ATTACHMENT.search(data):
        raise _pdf_attachment()


def _open_pdf(data: bytes) -> PdfReader:
    """The parsed PDF, refused when it is encrypted. pypdf decrypts as it opens, and fails on
    what it cannot decrypt (a certificate instead of a password, AES without the `cryptography`
    package) as it fails on damage: the file's /Encrypt entry tells the two apart."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except Exception as error:  # pypdf raises many kinds of exceptions on broken files
        raise (_encrypted_pdf() if _RAW_ENCRYPT.search(data) else _corrupt_pdf()) from error
    if reader.is_encrypted:
        raise _encrypted_pdf()
    return reader


def _all_objects(reader: PdfReader) -> list:
    """Every object of the file that its cross-reference tables list, compressed ones included."""
    numbers = {(number, generation) for generation, table in reader.xref.items() for number in table}
    numbers |= {(number, 0) for number in reader.xref_objStm}
    return [reader.get_object(IndirectObject(number, generation, reader)) for number, generation in numbers]


def _active_content(objects: list) -> Iterator[str]:
    """Yield "script" or "attachment" for each thing found, walking into nested dictionaries and
    arrays (references to other objects are not followed: those objects are in the list too)."""
    pending = list(objects)
    while pending:
        item = pending.pop()
        if isinstance(item, DictionaryObject):  # streams too: their dictionary is checked
            for key in item:
                if key in _SCRIPT_KEYS:
                    yield "script"
                elif key in _ATTACHMENT_KEYS:
                    yield "attachment"
            action = _name(item, "/S")
            if action in _SCRIPT_ACTIONS or _acts_on_opening(item):
                yield "script"
            if action in _ATTACHMENT_ACTIONS:
                yield "attachment"
            if _name(item, "/Type") in _ATTACHMENT_TYPES or _name(item, "/Subtype") in _ATTACHMENT_TYPES:
                yield "attachment"
            pending.extend(value for value in item.values() if not isinstance(value, IndirectObject))
        elif isinstance(item, ArrayObject):
            pending.extend(value for value in item if not isinstance(value, IndirectObject))


def _acts_on_opening(catalog: DictionaryObject) -> bool:
    """Whether a catalog's /OpenAction does more than show a page. A destination ([page /Fit],
    a named one) or a plain go-to action only does that; any other action, a web link included,
    would run without the reader asking for it."""
    action = catalog.get("/OpenAction")
    if isinstance(action, IndirectObject):
        action = action.get_object()
    if not isinstance(action, DictionaryObject):
        return False
    return _name(action, "/S") != "/GoTo" or not is_null_or_none(action.get("/Next"))


def _name(dictionary: DictionaryObject, key: str) -> str | None:
    """The name under `key`, followed when it is a reference (`/S 12 0 R` can name an action too)."""
    value = dictionary.get(key)
    if isinstance(value, IndirectObject):
        value = value.get_object()
    return str(value) if isinstance(value, NameObject) else None


def _render_first_page(data: bytes) -> bytes:
    """The first page as JPEG, PREVIEW_SIDE pixels on its longest side."""
    return render_pdf_pages(data, last_page=1)[0]


def render_pdf_pages(data: bytes, *, last_page: int, side: int = PREVIEW_SIDE) -> list[bytes]:
    """Pages 1 to `last_page` (or fewer, if the PDF is shorter) as JPEGs, `side` pixels on
    their longest side, drawn by Poppler's pdftoppm in a process with a time and memory limit."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise RuntimeError("pdftoppm (Poppler) is needed to draw PDF receipts; install poppler-utils")
    command = [pdftoppm, "-f", "1", "-l", str(last_page), "-scale-to", str(side), "-jpeg"]
    command += ["-jpegopt", f"quality={JPEG_QUALITY}"]
    prlimit = shutil.which("prlimit")
    if prlimit:
        # A crafted PDF should not take all the machine's memory.
        command = [prlimit, f"--as={PDF_RENDER_MEMORY}", "--"] + command
    with tempfile.TemporaryDirectory(prefix="regsvc-pdf-") as folder:
        source = Path(folder) / "receipt.pdf"
        source.write_bytes(data)
        try:
            subprocess.run(  # noqa: S603 - fixed program and options; the PDF is a file we wrote
                [*command, str(source), str(Path(folder) / "page")],
                check=True,
                capture_output=True,
                timeout=PDF_RENDER_SECONDS,
            )
        except subprocess.TimeoutExpired as error:
            raise _pdf_too_complex() from error
        except subprocess.CalledProcessError as error:
            raise _corrupt_pdf() from error
        # page-1.jpg, page-2.jpg… (zero-padded to the width of the page count)
        pages = sorted(Path(folder).glob("page-*.jpg"), key=lambda path: int(path.stem.rpartition("-")[2]))
        if not pages or any(page.stat().st_size == 0 for page in pages):
            raise _corrupt_pdf()
        return [page.read_bytes() for page in pages]


def _open_preview(preview: bytes) -> Image.Image:
    try:
        picture = Image.open(io.BytesIO(preview), formats=("JPEG",))
        picture.load()
    except Exception as error:
        raise _corrupt_pdf() from error
    return _plain_mode(picture)


# -- storing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredReceiptNames:
    """Names in the storage of a receipt's files, for the Receipt row."""

    stored_name: str
    preview_name: str | None
    thumbnail_name: str


def stage_receipt(session: Session, storage: Storage, processed: ProcessedReceipt) -> StoredReceiptNames:
    """Write a receipt's files under temporary names; they are moved into place when `session`
    commits and deleted if it rolls back. Call inside the transaction that adds the row."""

    def stage(file: ReceiptFile) -> str:
        staged = storage.stage(file.data, file.extension)
        place_on_commit(session, staged)  # registered at once: a later failure discards it too
        return staged.name

    return StoredReceiptNames(
        stored_name=stage(processed.document),
        preview_name=stage(processed.preview) if processed.preview else None,
        thumbnail_name=stage(processed.thumbnail),
    )


def receipts_without_file(receipts: Iterable[Receipt], storage: Storage) -> set[int]:
    """Ids of the receipts whose stored file is not in the storage (lost with a disk, or a
    restore without the uploads): pages and documents say so instead of failing."""
    return {receipt.id for receipt in receipts if not storage.exists(receipt.stored_name)}


def referenced_upload_names(session: Session) -> set[str]:
    """Every stored file name a receipt refers to: what `Storage.sweep` must keep."""
    names: set[str] = set()
    for row in session.execute(select(Receipt.stored_name, Receipt.preview_name, Receipt.thumbnail_name)):
        names.update(name for name in row if name)
    return names


# -- serving ---------------------------------------------------------------------------------------

# For every response that carries a stored file: the browser shows it as the type we say,
# runs nothing in it, and keeps no copy. Views add Content-Type (the stored file's MIME) and
# Content-Disposition: photos inline, PDFs as attachments (browsers will not show a PDF
# under a sandboxing policy, and a download is opened by a viewer outside the browser).
SERVING_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
}


def serve_as_attachment(mime: str) -> bool:
    return mime != "image/jpeg"
