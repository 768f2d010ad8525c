"""Sending a receipt's files to whoever may see them (the caller checks who)."""

from flask import abort, send_file

from regsvc.claims.models import Receipt
from regsvc.claims.receipts import SERVING_HEADERS
from regsvc.storage import current_storage

FILES = {"thumbnail": "thumbnail_name", "file": "stored_name", "preview": "preview_name"}


def receipt_response(receipt: Receipt, which: str):
    """The receipt's photo, thumbnail or PDF preview inline, or its original PDF as a
    download; always with headers that stop the browser from running anything in it. The
    file's bytes are streamed from the storage, wherever it keeps them."""
    name = getattr(receipt, FILES[which], None) if which in FILES else None
    if not name:
        abort(404)
    try:
        opened = current_storage().open(name)
    except FileNotFoundError:
        abort(404)  # the pages say when a receipt's file is missing
    is_original_pdf = which == "file" and receipt.mime == "application/pdf"
    response = send_file(
        opened.stream,
        mimetype="application/pdf" if is_original_pdf else "image/jpeg",
        as_attachment=is_original_pdf,
        download_name=receipt.original_name or f"receipt-{receipt.id}",
        # A stored file never changes: its name is a strong validator.
        etag=name,
        last_modified=opened.modified,
        conditional=False,
    )
    response.content_length = opened.size
    response.headers.update(SERVING_HEADERS)
    return response
