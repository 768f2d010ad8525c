"""What the benchmarks share: a minimal HTTP client's response reader, free ports, and
the environment of the servers they start."""

from __future__ import annotations

import os
import socket

HOST = "127.0.0.1"


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of one HTTP/1.1 response on `sock`;
    ValueError when the connection closes before the end."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ValueError("connection closed before the end of the headers")
        data += chunk
        if len(data) > 1 << 20:
            raise ValueError("headers too long")
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        headers[name] = f"{headers[name]}\n{value.strip()}" if name in headers else value.strip()
    length = int(headers["content-length"]) if "content-length" in headers else None
    while length is None or len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    if length is not None and len(body) < length:
        raise ValueError("connection closed before the end of the body")
    return status, headers, body


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def clean_environment(**settings: str) -> dict[str, str]:
    """This process's environment without any REGSVC_* of the caller (a real MAIL_SERVER,
    say), plus the given settings."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("REGSVC_")}
    env.update({f"REGSVC_{name}": value for name, value in settings.items()})
    return env
