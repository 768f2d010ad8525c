"""HTML to PDF with WeasyPrint, reading nothing but our own files; and the language of
every document.

A document may refer to:

- `data:` URIs (QR codes, generated pictures),
- files below an allowed root, each root named by a pseudo-scheme of its own:
  `static:pdf/logo.png` is regsvc/static/pdf/logo.png, and
- resources a reader of the caller's gives, each named by a pseudo-scheme of its own: claims
  read stored receipts through the upload storage, wherever it keeps them, as
  `upload:3f2a…9c.jpg` (`readers={"upload": storage.read}`, which refuses anything but a
  name the storage made).

Everything else — `file:`, `http(s):`, `ftp:`, relative URLs without a base, paths that
climb out of a root (`static:../../config.py`), symlinks that point outside, names a reader
refuses or does not have — is refused before anything is read; WeasyPrint logs the refusal
and renders the document without it. A reader that fails otherwise (its storage cannot be
reached) stops the document: `render_pdf` raises that error rather than leave a receipt out.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from types import MappingProxyType
from urllib.parse import unquote

from flask import current_app, has_request_context
from flask_babel import force_locale
from weasyprint import HTML, Attachment
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

STATIC_ROOT = Path(__file__).resolve().parent.parent / "static"
DEFAULT_ROOTS: Mapping[str, Path] = MappingProxyType({"static": STATIC_ROOT})
# WeasyPrint logs each step of each page at INFO level: far too much for the app's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# Schemes with a meaning of their own, which can never name a root.
RESERVED_SCHEMES = frozenset({"data", "file", "http", "https", "ftp", "about", "javascript"})


# Reads one resource by its name (what follows the pseudo-scheme): ValueError for a name it
# refuses, FileNotFoundError for one it does not have, another OSError when it cannot read.
Reader = Callable[[str], bytes]


class ResourceRefused(ValueError):
    """A document asked for something it may not read."""


class ResourceUnavailable(FatalURLFetchingError):
    """A reader could not read what the document needs; stops the rendering (WeasyPrint goes
    on without any other failed resource)."""

    def __init__(self, url: str, error: OSError):
        super().__init__(f"cannot read {url[:100]!r}: {error}")
        self.error = error


class SafeURLFetcher(URLFetcher):
    """Answers `data:` URIs, `<root>:<relative path>` and `<reader>:<name>` URLs; refuses
    anything else.

    `allowed_roots` maps a pseudo-scheme to a directory; the default allows the static files
    only. `readers` maps a pseudo-scheme to a `Reader`.
    """

    def __init__(
        self, allowed_roots: Mapping[str, Path] | None = None, readers: Mapping[str, Reader] | None = None
    ):
        # No protocol is allowed to the inherited urllib machinery, should anything ever reach it.
        super().__init__(allowed_protocols=(), allow_redirects=False)
        roots = DEFAULT_ROOTS if allowed_roots is None else allowed_roots
        self.roots = {scheme.lower(): Path(root).resolve() for scheme, root in roots.items()}
        self.readers = {scheme.lower(): reader for scheme, reader in (readers or {}).items()}
        if reserved := RESERVED_SCHEMES & (self.roots.keys() | self.readers.keys()):
            raise ValueError(f"not usable as the name of a root: {', '.join(sorted(reserved))}")
        if both := self.roots.keys() & self.readers.keys():
            raise ValueError(f"named both as a root and as a reader: {', '.join(sorted(both))}")

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        scheme, colon, rest = url.partition(":")
        scheme = scheme.lower()
        if not colon:
            raise ResourceRefused(f"not an absolute URL: {url[:100]!r}")
        if scheme == "data":
            return self._data(url)
        if scheme in self.roots:
            return self._file(self.roots[scheme], rest, url)
        if scheme in self.readers:
            return self._read(self.readers[scheme], rest, url)
        raise ResourceRefused(f"{scheme}: URLs are not allowed in documents: {url[:100]!r}")

    def open(self, url, data=None, timeout=None):
        # The inherited urllib entry point: never used to reach anything.
        raise ResourceRefused("documents cannot open URLs")

    @staticmethod
    def _data(url: str) -> URLFetcherResponse:
        # urllib's data: handler only decodes the URI itself; it does no I/O.
        decoded = urllib.request.DataHandler().data_open(urllib.request.Request(url))  # noqa: S310
        return URLFetcherResponse(url, decoded.read(), {"Content-Type": decoded.headers["Content-Type"]})

    @staticmethod
    def _file(root: Path, rest: str, url: str) -> URLFetcherResponse:
        relative = _named(rest, url).lstrip("/")
        path = (root / relative).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise ResourceRefused(f"no such file in the allowed folder: {url[:100]!r}")
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _content_type(path.name)})

    @staticmethod
    def _read(reader: Reader, rest: str, url: str) -> URLFetcherResponse:
        name = _named(rest, url)
        try:
            data = reader(name)
        except (ValueError, FileNotFoundError):
            raise ResourceRefused(f"no such resource: {url[:100]!r}") from None
        except OSError as error:
            raise ResourceUnavailable(url, error) from error
        return URLFetcherResponse(url, data, {"Content-Type": _content_type(name)})


def _named(rest: str, url: str) -> str:
    """What a pseudo-scheme's URL names, without its query or fragment."""
    name = unquote(rest.split("#", 1)[0].split("?", 1)[0])
    if not name.lstrip("/") or "\x00" in name:
        raise ResourceRefused(f"no file named in {url[:100]!r}")
    return name


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


@dataclass(frozen=True)
class EmbeddedFile:
    """A file carried inside a PDF (an archival claim carries its original receipts)."""

    name: str
    data: bytes
    description: str = ""


def render_pdf(
    html: str,
    base_url: str | None = None,
    *,
    allowed_roots: Mapping[str, Path] | None = None,
    readers: Mapping[str, Reader] | None = None,
    archival: bool = False,
    embedded_files: Iterable[EmbeddedFile] = (),
) -> bytes:
    """One HTML document (trusted markup: our own escaped templates) as PDF bytes.

    `base_url` only resolves relative links of hierarchical schemes; resources should be named
    with absolute `static:…` URLs, and whatever they resolve to still goes through the fetcher.
    `allowed_roots` and `readers` are those of `SafeURLFetcher`; the error of a reader that
    could not read (an OSError) is raised from here.
    `archival` makes a PDF/A-3b file, the variant that may carry `embedded_files` (PDF/A-3
    calls them associated files; each is marked as a source of the document).
    """
    attachments = [
        Attachment(
            file_obj=BytesIO(file.data), name=file.name, description=file.description, relationship="Source"
        )
        for file in embedded_files
    ]
    options = {"pdf_variant": "pdf/a-3b"} if archival else {}
    fetcher = SafeURLFetcher(allowed_roots, readers)
    try:
        document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        return document.write_pdf(attachments=attachments, **options)
    except ResourceUnavailable as stopped:
        # The reader's error as it was raised, for the caller (and the error pages) to answer.
        raise stopped.error from stopped.error.__cause__


@contextlib.contextmanager
def document_locale(locale: str | None = None) -> Iterator[None]:
    """The language of a document: `locale` if given, else the request's, else the app's default.

    Outside a request (CLI, benchmarks, background jobs) Flask-Babel's selector has no
    Accept-Language to read, so the default language is forced.
    """
    if locale is None and has_request_context():
        yield
        return
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        yield
