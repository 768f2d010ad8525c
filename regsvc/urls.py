"""Absolute links for e-mails, built inside or outside a request."""

from flask import current_app, has_request_context, request


def external_url(endpoint: str, **values) -> str:
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    if not base:
        base = request.host_url.rstrip("/") if has_request_context() else "http://127.0.0.1:5000"
    path = current_app.url_map.bind("", script_name="/").build(endpoint, values)
    return base + path
