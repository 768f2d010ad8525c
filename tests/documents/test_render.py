"""The PDF renderer reads nothing but data: URIs and files below its allowed roots."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from regsvc.documents import render
from regsvc.documents.render import ResourceRefused, SafeURLFetcher, render_pdf
from tests.documents.helpers import page_texts

STATIC = Path(render.__file__).resolve().parent.parent / "static"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1/secret.png",
        "https://example.org/logo.png",
        "ftp://example.org/x.png",
        "gopher://127.0.0.1:25/x",
        "static:../../config.py",
        "static:/../../../etc/passwd",
        "static:%2e%2e/%2e%2e/config.py",
        "static:",
        "static:no-such-file.css",
        "style.css",
        "//example.org/x.png",
    ],
)
def test_fetcher_refuses_everything_but_its_roots(url):
    with pytest.raises(ResourceRefused):
        SafeURLFetcher().fetch(url)


def test_fetcher_reads_static_files_and_data_uris():
    fetcher = SafeURLFetcher()
    css = fetcher.fetch("static:style.css")
    assert css.read() == (STATIC / "style.css").read_bytes()
    assert css.content_type == "text/css"
    data = fetcher.fetch("data:image/svg+xml;base64,PHN2Zy8+")
    assert data.read() == b"<svg/>" and data.content_type == "image/svg+xml"
    assert fetcher.fetch("data:text/plain,%C4%90or%C4%91e").read().decode() == "Đorđe"


def test_fetcher_refuses_symlinks_out_of_a_root(tmp_path):
    root = tmp_path / "receipts"
    root.mkdir()
    (root / "ok.txt").write_text("ok")
    (root / "escape.txt").symlink_to("/etc/passwd")
    fetcher = SafeURLFetcher({"receipt": root})
    assert fetcher.fetch("receipt:ok.txt").read() == b"ok"
    with pytest.raises(ResourceRefused):
        fetcher.fetch("receipt:escape.txt")
    with pytest.raises(ResourceRefused):
        fetcher.fetch("static:style.css")  # only the roots given


def test_a_root_cannot_be_named_like_a_real_scheme():
    with pytest.raises(ValueError, match="file"):
        SafeURLFetcher({"file": Path("/")})


def test_rendering_reads_nothing_outside_the_roots(monkeypatch, tmp_path):
    """A document that asks for local files and the network still renders, without them:
    the fetcher refused each request, nothing was connected to, nothing was read."""
    asked: dict[str, str] = {}
    original_fetch = SafeURLFetcher.fetch

    def recording_fetch(self, url, headers=None):
        try:
            response = original_fetch(self, url, headers)
        except ResourceRefused:
            asked[url] = "refused"
            raise
        asked[url] = "read"
        return response

    connections = []
    monkeypatch.setattr(SafeURLFetcher, "fetch", recording_fetch)
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: connections.append(address))
    html = """<!doctype html><html><head><meta charset="utf-8">
      <link rel="stylesheet" href="http://127.0.0.1:9/evil.css">
      <style>
        @import url("file:///etc/hostname");
        body { background: url("file:///etc/passwd"); }
        @font-face { font-family: X; src: url("https://127.0.0.1/font.woff"); }
      </style></head>
      <body><p>Izveštaj — Đorđe Љубица</p>
      <img src="file:///etc/passwd"><img src="http://127.0.0.1/pixel.png">
      <img src="static:../../config.py"><img src="static:style.css">
      <img src="data:image/svg+xml;base64,PHN2ZyB4bWxucz0naHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmcnLz4=">
      </body></html>"""
    pdf = render_pdf(html)

    assert pdf.startswith(b"%PDF")
    assert "Izveštaj — Đorđe Љубица" in page_texts(pdf, tmp_path)[0]
    refused = {url for url, outcome in asked.items() if outcome == "refused"}
    assert {
        "file:///etc/passwd",
        "http://127.0.0.1/pixel.png",
        "http://127.0.0.1:9/evil.css",
        "file:///etc/hostname",
        "https://127.0.0.1/font.woff",
        "static:../../config.py",
    } <= refused
    assert {url for url, outcome in asked.items() if outcome == "read"} <= {"static:style.css"} | {
        url for url in asked if url.startswith("data:")
    }
    assert connections == []
    assert b"root:" not in pdf
