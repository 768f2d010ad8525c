"""Generated documents (PDF, CSV, XLSX) as HTTP responses."""

from flask import Response


def download(data: bytes, mimetype: str, filename: str, *, inline: bool = False) -> Response:
    """`filename` is ours (ASCII, no quotes); personal documents are never kept in caches."""
    response = Response(data, mimetype=mimetype)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
