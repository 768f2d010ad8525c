"""Absolute links (e-mails, PDFs, QR codes), built inside or outside a request."""

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """The link to `endpoint` on the site's public address (PUBLIC_URL), never on the host
    a request happened to name: a forged Host header must not reach a private link."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    path = current_app.url_map.bind("", script_name="/").build(endpoint, values)
    return base + path
