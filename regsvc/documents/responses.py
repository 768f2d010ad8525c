"""Generated documents (PDF, CSV, XLSX) as HTTP responses."""

import tempfile
import weakref
from collections.abc import Callable, Iterator
from typing import BinaryIO

from flask import Response

CHUNK = 64 * 1024  # bytes


def download(data: bytes, mimetype: str, filename: str, *, inline: bool = False) -> Response:
    """`filename` is ours (ASCII, no quotes); personal documents are never kept in caches."""
    response = Response(data, mimetype=mimetype)
    return _as_document(response, filename, inline)


def download_written(
    write: Callable[[BinaryIO], None], mimetype: str, filename: str, *, inline: bool = False
) -> Response:
    """What `write` writes, sent from a temporary file rather than from memory (a document
    for thousands of people is large). The file has no name on disk, and is gone once closed."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 - the response's body closes it
    try:
        write(file)
        size = file.tell()
        file.seek(0)
    except BaseException:
        file.close()
        raise
    response = Response(_FileBody(file), mimetype=mimetype, direct_passthrough=True)
    response.content_length = size
    return _as_document(response, filename, inline)


class _FileBody:
    """A file's bytes, in chunks. The file is closed when they have all been read, when the
    server closes the response, or at the latest when the response is dropped."""

    def __init__(self, file: BinaryIO):
        self._file = file
        self.close = weakref.finalize(self, file.close)

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self._file.read(CHUNK):
            yield chunk
        self.close()


def _as_document(response: Response, filename: str, inline: bool) -> Response:
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
