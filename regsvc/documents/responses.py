"""Generated documents (PDF, CSV, XLSX) as HTTP responses."""

import tempfile
from collections.abc import Callable
from typing import BinaryIO

from flask import Response, send_file


def download(data: bytes, mimetype: str, filename: str, *, inline: bool = False) -> Response:
    """`filename` is ours (ASCII, no quotes); personal documents are never kept in caches."""
    response = Response(data, mimetype=mimetype)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return _private(response)


def download_written(
    write: Callable[[BinaryIO], None], mimetype: str, filename: str, *, inline: bool = False
) -> Response:
    """What `write` writes, sent from a temporary file rather than from memory (a document
    for thousands of people is large). The file has no name on disk, and is gone when the
    response is closed."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it
    try:
        write(file)
        size = file.tell()
        file.seek(0)
    except BaseException:
        file.close()
        raise
    response = send_file(
        file,
        mimetype=mimetype,
        as_attachment=not inline,
        download_name=filename,
        conditional=False,
        etag=False,
    )
    response.content_length = size
    return _private(response)


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
