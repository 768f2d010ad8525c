"""Receipt files: the bad-input corpus is refused, each with its own message, and stores nothing;
accepted photos are stored upright, small enough and without metadata; PDFs are kept as they are."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import subprocess
import sys
import time
import warnings
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from PIL import Image, ImageFile, ImageOps
from sqlalchemy import func, select

from regsvc.audit.models import AuditEntry
from regsvc.audit.services import record
from regsvc.claims import receipts
from regsvc.claims.receipts import (
    MAX_BYTES,
    MAX_RECEIPTS_PER_CLAIM,
    MAX_SIDE,
    ReceiptKind,
    ReceiptRejected,
    check_room_for_receipt,
    detect_type,
    display_name,
    process_upload,
    read_limited,
    stage_receipt,
)
from regsvc.db import write_transaction
from regsvc.storage import BadStoredName, LocalStorage, place_on_commit, stored_path
from tests.claims import corpus


@pytest.fixture
def storage(app) -> LocalStorage:
    return LocalStorage(app.config["UPLOAD_FOLDER"])


def files_in(storage: LocalStorage) -> list[str]:
    """Every file below the storage folder, temporary ones included."""
    if not storage.root.exists():
        return []
    return sorted(str(path.relative_to(storage.root)) for path in storage.root.rglob("*") if path.is_file())


def upload(session, storage: LocalStorage, data: bytes, filename: str):
    """What the claim service does: check the file, then record it and stage its files in one
    transaction (an audit entry stands in for the Receipt row)."""
    processed = process_upload(data, filename)
    with write_transaction(session):
        names = stage_receipt(session, storage, processed)
        record(
            session, None, "receipt.added", event_id=None, stored=names.stored_name, sha256=processed.sha256
        )
    return processed, names


def audit_entries(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry))


# -- the bad-input corpus ---------------------------------------------------------------------

REFUSED = [
    ("empty file", lambda: b"", "receipt.jpg", "empty"),
    ("11 MB file", corpus.eleven_megabytes, "huge.jpg", "too_large"),
    ("text file named .jpg", lambda: corpus.TEXT_AS_JPEG, "ticket.jpg", "not_what_name_says"),
    ("unknown kind of file", lambda: b"PK\x03\x04 a zip archive", "receipts.zip", "unsupported_type"),
    ("SVG with a script", lambda: corpus.SVG_WITH_SCRIPT, "receipt.svg", "svg"),
    ("SVG named .png", lambda: corpus.SVG_WITH_SCRIPT, "receipt.png", "svg"),
    ("truncated JPEG", lambda: corpus.truncated("JPEG"), "receipt.jpg", "corrupt_image"),
    ("truncated PNG", lambda: corpus.truncated("PNG"), "receipt.png", "corrupt_image"),
    ("truncated WebP", lambda: corpus.truncated("WEBP"), "receipt.webp", "corrupt_image"),
    ("truncated HEIC", lambda: corpus.truncated("HEIF"), "receipt.heic", "corrupt_image"),
    ("decompression bomb PNG", lambda: corpus.blank_png(20_000, 20_000), "bomb.png", "too_many_pixels"),
    ("PNG above our pixel limit", lambda: corpus.blank_png(7_000, 6_000), "scan.png", "too_many_pixels"),
    ("file name with ../", lambda: corpus.phone_photo(400, 300), "../../etc/passwd.jpg", "unsafe_name"),
    ("PDF with JavaScript", corpus.pdf_with_javascript, "ticket.pdf", "pdf_script"),
    ("PDF with hidden JavaScript", corpus.pdf_with_hidden_javascript, "ticket.pdf", "pdf_script"),
    ("PDF launching a program", corpus.pdf_launching_a_program, "ticket.pdf", "pdf_script"),
    ("PDF naming its action by reference", corpus.pdf_with_action_named_by_reference, "t.pdf", "pdf_script"),
    ("PDF with an attached file", corpus.pdf_with_attachment, "ticket.pdf", "pdf_attachment"),
    ("broken PDF", lambda: corpus.BROKEN_PDF, "ticket.pdf", "corrupt_pdf"),
]

# Made by pypdf as other programs make them: actions run without the reader asking, files inside.
ACTIVE_PDFS = [
    (
        "PDF opening a web page when opened",
        lambda: corpus.pdf_opening("/URI", URI="https://x.example/"),
        "pdf_script",
    ),
    (
        "PDF going to a page, then to a web page",
        lambda: corpus.pdf_opening("/GoTo", D="ticket", Next=corpus.web_link()),
        "pdf_script",
    ),
    (
        "PDF running JavaScript when opened",
        lambda: corpus.pdf_opening("/JavaScript", JS="app.alert(1)"),
        "pdf_script",
    ),
    ("PDF with document JavaScript", corpus.pdf_with_javascript_name_tree, "pdf_script"),
    (
        "PDF launching a program when opened",
        lambda: corpus.pdf_opening("/Launch", F="calc.exe"),
        "pdf_script",
    ),
    (
        "PDF submitting a form when opened",
        lambda: corpus.pdf_opening("/SubmitForm", F="https://x.example/"),
        "pdf_script",
    ),
    (
        "PDF importing form data when opened",
        lambda: corpus.pdf_opening("/ImportData", F="data.fdf"),
        "pdf_script",
    ),
    *[
        (
            f"PDF with additional actions: {where}",
            partial(corpus.pdf_with_additional_action, where),
            "pdf_script",
        )
        for where in ("catalog", "page", "annotation", "form field")
    ],
    ("PDF with an embedded file", corpus.pdf_with_embedded_file, "pdf_attachment"),
    ("PDF with a link into an embedded file", corpus.pdf_with_link_into_an_embedded_file, "pdf_attachment"),
]
# pypdf decrypts AES with the cryptography package, and cannot decrypt for a certificate at all:
# either way the file is protected, not damaged.
ENCRYPTED_PDFS = [
    (
        f"PDF encrypted with {algorithm}{password and ' and a password to open it'}",
        partial(corpus.encrypted_pdf, algorithm, password),
    )
    for algorithm in ("RC4-128", "AES-128", "AES-256")
    for password in ("", "secret")
] + [("PDF encrypted for a certificate", corpus.pdf_encrypted_for_a_certificate)]
REFUSED += [(label, make, "ticket.pdf", code) for label, make, code in ACTIVE_PDFS]
REFUSED += [(label, make, "statement.pdf", "encrypted_pdf") for label, make in ENCRYPTED_PDFS]


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [pytest.param(make, filename, code, id=label) for label, make, filename, code in REFUSED],
)
def test_bad_input_is_refused_with_its_own_message_and_stores_nothing(
    app, session, storage, data, filename, code
):
    with pytest.raises(ReceiptRejected) as refused:
        upload(session, storage, data(), filename)
    assert refused.value.code == code
    assert str(refused.value) == str(refused.value.message) and len(str(refused.value)) > 20
    assert files_in(storage) == []
    assert audit_entries(session) == 0


def test_every_refusal_has_a_message_of_its_own(app):
    messages = {}
    for _label, make, filename, code in REFUSED:
        with pytest.raises(ReceiptRejected) as refused:
            process_upload(make(), filename)
        messages.setdefault(code, str(refused.value))
    with pytest.raises(ReceiptRejected) as refused:
        check_room_for_receipt(MAX_RECEIPTS_PER_CLAIM)
    messages[refused.value.code] = str(refused.value)
    assert len(set(messages.values())) == len(messages)
    assert "10 MB" in messages["too_large"]
    assert ".jpg" in messages["not_what_name_says"]
    assert "password" in messages["encrypted_pdf"]
    assert "automatic action" in messages["pdf_script"]
    assert "files attached" in messages["pdf_attachment"]


def test_the_bomb_is_small_on_disk_and_refused_before_decoding(app, monkeypatch):
    bomb = corpus.blank_png(20_000, 20_000)
    assert len(bomb) < 100_000
    monkeypatch.setattr(Image.Image, "load", lambda self: pytest.fail("the bomb was decoded"))
    with pytest.raises(ReceiptRejected) as refused:
        process_upload(bomb, "bomb.png")
    assert refused.value.code == "too_many_pixels"


def test_pictures_over_pillows_warning_limit_are_refused_however_warnings_are_handled(app):
    picture = corpus.blank_png(10_000, 10_000)  # Pillow warns above 89 megapixels
    for action in ("error", "ignore"):
        with warnings.catch_warnings():
            warnings.simplefilter(action)
            with pytest.raises(ReceiptRejected) as refused:
                process_upload(picture, "scan.png")
        assert refused.value.code == "too_many_pixels", action
    with pytest.warns(Image.DecompressionBombWarning), pytest.raises(ReceiptRejected) as refused:
        process_upload(picture, "scan.png")
    assert refused.value.code == "too_many_pixels"


def test_cut_off_photos_are_refused_although_weasyprint_lets_pillow_load_them(app, monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # what importing WeasyPrint does
    for format in ("JPEG", "PNG"):
        with pytest.raises(ReceiptRejected) as refused:
            process_upload(corpus.truncated(format), "photo")
        assert refused.value.code == "corrupt_image"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


def test_the_size_limit_is_checked_before_anything_is_decoded(app, monkeypatch):
    monkeypatch.setattr(Image, "open", lambda *args, **kwargs: pytest.fail("the file was opened"))
    with pytest.raises(ReceiptRejected) as refused:
        process_upload(corpus.eleven_megabytes(), "photo.jpg")
    assert refused.value.code == "too_large"


def test_a_full_claim_takes_no_more_receipts(app):
    check_room_for_receipt(MAX_RECEIPTS_PER_CLAIM - 1)
    with pytest.raises(ReceiptRejected) as refused:
        check_room_for_receipt(MAX_RECEIPTS_PER_CLAIM)
    assert refused.value.code == "too_many_receipts"


def test_reading_an_upload_stops_just_past_the_limit():
    stream = io.BytesIO(b"\0" * (MAX_BYTES + 5000))
    assert len(read_limited(stream)) == MAX_BYTES + 1


# -- accepted photos: upright, small enough, no metadata -----------------------------------------


def jpeg_markers(data: bytes) -> set[int]:
    """The JPEG segments before the image data (0xE1: EXIF or XMP, 0xE2: ICC, 0xFE: comment…)."""
    markers, position = set(), 2
    while position < len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        markers.add(marker)
        if marker == 0xDA:  # start of scan: the pixels follow
            break
        position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
    return markers


def assert_no_metadata(data: bytes) -> None:
    picture = Image.open(io.BytesIO(data))
    assert picture.format == "JPEG"
    assert len(picture.getexif()) == 0
    assert not {"exif", "xmp", "icc_profile", "comment", "photoshop"} & picture.info.keys()
    assert not {0xE1, 0xE2, 0xED, 0xFE} & jpeg_markers(data)
    for trace in (b"GPS", b"Phonemaker", b"Kralja Milana", b"Exif", b"http://ns.adobe.com"):
        assert trace not in data


def colour_at(picture: Image.Image, x: float, y: float) -> tuple[int, int, int]:
    """The colour at a point given as fractions of the width and height."""
    return picture.convert("RGB").getpixel((int(x * (picture.width - 1)), int(y * (picture.height - 1))))


def near(colour, expected, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def test_a_rotated_phone_photo_with_gps_is_stored_upright_smaller_and_without_metadata(app, session, storage):
    original = corpus.phone_photo(4000, 3000, orientation=6)
    processed, names = upload(session, storage, original, "IMG_2024.jpg")

    assert processed.kind == ReceiptKind.IMAGE and processed.mime == "image/jpeg"
    assert processed.sha256 == hashlib.sha256(original).hexdigest()
    assert processed.size == len(original) and processed.display_name == "IMG_2024.jpg"
    stored_bytes = storage.read(names.stored_name)
    assert stored_bytes == processed.document.data and stored_bytes != original
    # Two hashes: the upload's, to find it in other claims, and the stored file's, for auditors.
    assert processed.stored_sha256 == hashlib.sha256(stored_bytes).hexdigest() != processed.sha256
    assert_no_metadata(stored_bytes)
    stored = Image.open(io.BytesIO(stored_bytes))
    assert stored.size == (1800, 2400) == (processed.width, processed.height)
    # Upright: the sensor's top left (red) is now at the top right, its bottom left (blue) at the top left.
    assert near(colour_at(stored, 0.98, 0.02), corpus.RED)
    assert near(colour_at(stored, 0.02, 0.02), corpus.BLUE)
    assert near(colour_at(stored, 0.02, 0.98), corpus.GREY)
    assert near(colour_at(stored, 0.98, 0.98), corpus.GREY)

    thumbnail_bytes = storage.read(names.thumbnail_name)
    assert_no_metadata(thumbnail_bytes)
    thumbnail = Image.open(io.BytesIO(thumbnail_bytes))
    assert thumbnail.size == (240, 320)
    assert near(colour_at(thumbnail, 0.97, 0.03), corpus.RED)
    assert names.preview_name is None
    assert sorted(storage.stored_names()) == sorted([names.stored_name, names.thumbnail_name])
    assert "IMG_2024" not in " ".join(files_in(storage))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_turned_upright(app, orientation):
    original = corpus.phone_photo(400, 300, orientation=orientation)
    stored = Image.open(io.BytesIO(process_upload(original, "photo.jpg").document.data))
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(original)))
    assert stored.size == expected.size
    for x, y in ((0.02, 0.02), (0.98, 0.02), (0.02, 0.98), (0.98, 0.98)):
        assert near(colour_at(stored, x, y), colour_at(expected, x, y)), (x, y)


def test_a_heic_photo_is_decoded_upright_and_stored_as_jpeg_without_metadata(app, session, storage):
    original = corpus.heic_photo(1200, 900, orientation=6)
    assert detect_type(original) == "image/heic"
    processed, names = upload(session, storage, original, "IMG_0042.HEIC")

    assert processed.mime == "image/heic" and processed.sha256 == hashlib.sha256(original).hexdigest()
    stored_bytes = storage.read(names.stored_name)
    assert_no_metadata(stored_bytes)
    stored = Image.open(io.BytesIO(stored_bytes))
    assert stored.size == (900, 1200)  # small enough already: turned, not scaled
    assert near(colour_at(stored, 0.98, 0.02), corpus.RED)
    assert near(colour_at(stored, 0.02, 0.02), corpus.BLUE)


@pytest.mark.parametrize(
    ("format", "mime", "options"),
    [("PNG", "image/png", {}), ("WEBP", "image/webp", {"quality": 90}), ("JPEG", "image/jpeg", {})],
)
def test_png_webp_and_jpeg_are_recognised_by_content_not_by_name(app, format, mime, options):
    data = corpus.image_bytes(corpus.marked_picture(3000, 2000), format, **options)
    processed = process_upload(data, "receipt.pdf")  # the name is wrong; the content decides
    assert processed.mime == mime and processed.kind == ReceiptKind.IMAGE
    stored = Image.open(io.BytesIO(processed.document.data))
    assert stored.format == "JPEG" and stored.size == (MAX_SIDE, 1600)
    assert near(colour_at(stored, 0.01, 0.01), corpus.RED)


def test_transparent_screenshots_get_a_white_background(app):
    screenshot = Image.new("RGBA", (600, 400), (0, 0, 0, 0))
    screenshot.paste((20, 20, 230, 255), (0, 0, 100, 100))
    stored = Image.open(
        io.BytesIO(process_upload(corpus.image_bytes(screenshot, "PNG"), "s.png").document.data)
    )
    assert stored.size == (600, 400)
    assert near(colour_at(stored, 0.5, 0.5), (255, 255, 255), 5)
    assert near(colour_at(stored, 0.01, 0.01), corpus.BLUE)


def test_cmyk_scans_are_stored_as_rgb(app):
    scan = Image.new("CMYK", (500, 400), (0, 0, 0, 0))  # no ink: white paper
    scan.paste((0, 255, 255, 0), (0, 0, 100, 100))  # magenta and yellow: red
    stored = Image.open(
        io.BytesIO(process_upload(corpus.image_bytes(scan, "JPEG"), "scan.jpg").document.data)
    )
    assert stored.mode == "RGB"
    assert near(colour_at(stored, 0.5, 0.5), (255, 255, 255), 10)
    assert near(colour_at(stored, 0.05, 0.05), (255, 0, 0), 40)


def test_a_broken_colour_profile_is_dropped_and_the_photo_kept(app):
    data = corpus.image_bytes(corpus.marked_picture(400, 300), "JPEG", icc_profile=b"not a profile" * 20)
    stored = process_upload(data, "photo.jpg").document.data
    assert_no_metadata(stored)
    assert near(colour_at(Image.open(io.BytesIO(stored)), 0.01, 0.01), corpus.RED)


def test_sixteen_bit_grey_scans_keep_their_greys(app):
    scan = Image.new("I;16", (300, 200), 32768)
    stored = Image.open(io.BytesIO(process_upload(corpus.image_bytes(scan, "PNG"), "scan.png").document.data))
    assert stored.mode == "L" and abs(stored.getpixel((150, 100)) - 128) <= 2


# -- PDFs: checked, kept as they are, previewed ------------------------------------------------------


def test_a_clean_pdf_is_kept_byte_for_byte_with_a_preview_of_its_first_page(app, session, storage):
    original = corpus.clean_pdf()
    processed, names = upload(session, storage, original, "e-ticket.pdf")

    assert processed.kind == ReceiptKind.PDF and processed.mime == "application/pdf"
    assert storage.read(names.stored_name) == original
    assert names.stored_name.endswith(".pdf") and processed.sha256 == hashlib.sha256(original).hexdigest()
    assert processed.stored_sha256 == processed.sha256
    preview = Image.open(io.BytesIO(storage.read(names.preview_name)))
    assert preview.format == "JPEG" and preview.size == (1131, 1600) == (processed.width, processed.height)
    assert near(colour_at(preview, 0.2, 0.12), (230, 25, 25), 30)  # the red box at the top left of the page
    assert near(colour_at(preview, 0.5, 0.9), (255, 255, 255), 5)
    thumbnail = Image.open(io.BytesIO(storage.read(names.thumbnail_name)))
    assert max(thumbnail.size) == 320
    assert processed.image == processed.preview


def test_a_pdf_opening_at_a_page_with_a_web_link_to_click_is_accepted(app):
    # clean_pdf opens at a destination ([page /Fit]); the other through a go-to action.
    for data in (corpus.clean_pdf(), corpus.pdf_opening("/GoTo", D="ticket")):
        assert process_upload(data, "ticket.pdf").kind == ReceiptKind.PDF


def test_an_aes_encrypted_pdf_is_called_protected_even_where_pypdf_cannot_decrypt_it(tmp_path):
    """Without the cryptography package pypdf fails on AES-256 as on a damaged file."""
    path = tmp_path / "statement.pdf"
    path.write_bytes(corpus.encrypted_pdf("AES-256"))
    script = (
        "import sys\n"
        "sys.modules['cryptography'] = None  # as if it were not installed\n"
        "from regsvc.claims.receipts import ReceiptRejected, process_upload\n"
        "try:\n"
        "    process_upload(open(sys.argv[1], 'rb').read(), 'statement.pdf')\n"
        "except ReceiptRejected as refused:\n"
        "    print(refused.code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    assert result.stdout.strip() == "encrypted_pdf"


def test_a_pdf_that_takes_too_long_to_render_is_refused(app, monkeypatch):
    monkeypatch.setattr(receipts, "PDF_RENDER_SECONDS", 0.001)
    with pytest.raises(ReceiptRejected) as refused:
        process_upload(corpus.clean_pdf(), "ticket.pdf")
    assert refused.value.code == "pdf_too_complex"


def test_stored_files_are_served_so_that_the_browser_runs_nothing():
    assert receipts.SERVING_HEADERS["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in receipts.SERVING_HEADERS["Content-Security-Policy"]
    assert receipts.serve_as_attachment("application/pdf") and not receipts.serve_as_attachment("image/jpeg")


# -- file names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uploaded", "shown"),
    [
        ("../../etc/passwd.jpg", "passwd.jpg"),
        ("C:\\Users\\Ana\\Desktop\\račun.jpg", "račun.jpg"),
        ("receipt\u202egpj.exe", "receiptgpj.exe"),
        ("  bus\tticket\n.pdf ", "bus ticket .pdf"),
        ("", "receipt"),
        ("..", "receipt"),
        (None, "receipt"),
    ],
)
def test_display_names_drop_folders_and_invisible_characters(uploaded, shown):
    assert display_name(uploaded) == shown


def test_long_display_names_are_shortened_keeping_the_extension():
    shown = display_name("Ра" * 200 + ".jpeg")
    assert len(shown) == receipts.MAX_DISPLAY_NAME and shown.endswith("….jpeg")


# -- storage: moved into place only when the transaction commits ---------------------------------------


def test_staged_files_are_moved_into_place_on_commit_only(session, storage):
    with write_transaction(session):
        staged = storage.stage(b"%PDF-1.7 receipt", "pdf")
        place_on_commit(session, staged)
        record(session, None, "receipt.added", event_id=None, stored=staged.name)
        assert files_in(storage) == [f"tmp/{staged.name}.part"]
        assert not storage.exists(staged.name)
    assert files_in(storage) == [stored_path(staged.name)]
    assert storage.read(staged.name) == b"%PDF-1.7 receipt"
    assert stat.S_IMODE(storage.path(staged.name).stat().st_mode) == 0o600


def test_a_failed_transaction_leaves_neither_a_file_nor_a_row(app, session, storage):
    processed = process_upload(corpus.phone_photo(800, 600), "photo.jpg")
    with pytest.raises(RuntimeError), write_transaction(session):
        stage_receipt(session, storage, processed)
        record(session, None, "receipt.added", event_id=None)
        raise RuntimeError("the database refused the row")
    assert files_in(storage) == []
    assert audit_entries(session) == 0


def test_a_session_closed_without_commit_discards_its_staged_files(app, storage):
    with app.extensions["regsvc.db"].Session() as other:
        other.begin()
        place_on_commit(other, storage.stage(b"data", "jpg"))
        assert len(files_in(storage)) == 1
    assert files_in(storage) == []


def test_a_failure_while_staging_discards_the_files_already_staged(app, session, storage, monkeypatch):
    processed = process_upload(corpus.phone_photo(800, 600), "photo.jpg")
    real_stage = LocalStorage.stage
    calls = []

    def failing_stage(self, data, extension):
        calls.append(extension)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_stage(self, data, extension)

    monkeypatch.setattr(LocalStorage, "stage", failing_stage)
    with pytest.raises(OSError), write_transaction(session):
        stage_receipt(session, storage, processed)
    assert files_in(storage) == []


@pytest.mark.parametrize(
    "name",
    [
        "../config.py",
        "/etc/passwd",
        "0123456789abcdef0123456789abcdef.exe",
        "0123456789ABCDEF0123456789ABCDEF.jpg",
        "0123456789abcdef.jpg",
        "ab/0123456789abcdef0123456789abcdef.jpg",
        "0123456789abcdef0123456789abcdef.jpg/../../x",
        "0123456789abcdef0123456789abcdef.jpg\n",
        None,
    ],
)
def test_storage_refuses_names_it_did_not_make(storage, name):
    with pytest.raises(BadStoredName):
        storage.path(name)
    with pytest.raises(BadStoredName):
        storage.open(name)


def test_stored_names_are_random_and_never_the_uploaded_name(storage):
    names = {storage.new_name("jpg") for _ in range(100)}
    assert len(names) == 100
    assert all(len(name) == 36 and name.endswith(".jpg") for name in names)


def test_sweep_removes_stray_temporary_files_and_orphans_and_keeps_the_rest(storage):
    def committed(data: bytes) -> str:
        staged = storage.stage(data, "jpg")
        return storage.commit(staged)

    known, orphan = committed(b"known"), committed(b"orphan")
    stray = storage.stage(b"from a crashed upload", "jpg")
    recent_stray = storage.stage(b"an upload in progress", "jpg")
    recent_orphan = committed(b"committed a moment ago")
    unmoved = storage.stage(b"committed, then the process died", "pdf")
    an_hour_ago = time.time() - 2 * 3600
    for path in (
        storage.path(known),
        storage.path(orphan),
        storage.temporary_path(stray.name),
        storage.temporary_path(unmoved.name),
    ):
        os.utime(path, (an_hour_ago, an_hour_ago))
    (storage.root / "README").write_text("not ours")

    report = storage.sweep({known, recent_orphan, unmoved.name}, older_than=timedelta(hours=1))

    assert report.temporary_removed == [stray.name]
    assert report.orphans_removed == [orphan]
    assert report.recovered == [unmoved.name]
    assert sorted(storage.stored_names()) == sorted([known, recent_orphan, unmoved.name])
    assert storage.read(unmoved.name) == b"committed, then the process died"
    assert storage.temporary_path(recent_stray.name).exists()
    assert (storage.root / "README").exists()


def test_sweep_without_the_database_names_only_removes_temporary_files(storage):
    kept = storage.commit(storage.stage(b"x", "jpg"))
    stray = storage.stage(b"y", "jpg")
    report = storage.sweep(older_than=timedelta(0), now=time.time() + 1)
    assert report.temporary_removed == [stray.name] and report.orphans_removed == []
    assert storage.stored_names() == [kept]


def test_sweep_of_a_storage_folder_that_does_not_exist_yet(tmp_path):
    assert LocalStorage(tmp_path / "nowhere").sweep(set()).orphans_removed == []
