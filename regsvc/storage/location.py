"""STORAGE_URL read and checked, without a client for it: config.py refuses a bucket's address
that cannot be used when regsvc starts, and regsvc.storage.bucket connects to it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

_PARAMETERS = frozenset({"endpoint_url", "region", "addressing_style"})
_ADDRESSING_STYLES = frozenset({"path", "virtual"})
_BUCKET = re.compile(r"\A[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\Z")


class StorageSettingError(RuntimeError):
    """STORAGE_URL or the storage credentials cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class BucketLocation:
    bucket: str
    prefix: str  # empty, or ending with "/"
    endpoint_url: str | None
    region: str | None
    addressing_style: str

    @classmethod
    def parse(cls, url: str) -> BucketLocation:
        """Read STORAGE_URL; a message naming what is wrong (and never repeating a secret) if
        it is not a bucket's address."""
        parts = urlsplit(url)
        if parts.scheme != "s3":
            raise StorageSettingError("REGSVC_STORAGE_URL must start with s3://, e.g. s3://bucket/prefix.")
        if "@" in parts.netloc:
            raise StorageSettingError(
                "REGSVC_STORAGE_URL must not hold credentials: set REGSVC_STORAGE_ACCESS_KEY_ID and "
                "REGSVC_STORAGE_SECRET_ACCESS_KEY (or the AWS_* variables) instead."
            )
        if not _BUCKET.match(parts.netloc):
            raise StorageSettingError(
                "REGSVC_STORAGE_URL must name a bucket after s3:// (3 to 63 lower-case letters, digits, "
                f"dots and hyphens), not {parts.netloc!r}."
            )
        if parts.fragment:
            raise StorageSettingError("REGSVC_STORAGE_URL must not end with a #fragment.")
        try:
            parameters = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
        except ValueError:
            raise StorageSettingError(
                "REGSVC_STORAGE_URL's parameters must read name=value&name=value."
            ) from None
        if unknown := sorted(set(parameters) - _PARAMETERS):
            raise StorageSettingError(
                f"REGSVC_STORAGE_URL has parameters regsvc does not know: {', '.join(unknown)} "
                f"(it knows {', '.join(sorted(_PARAMETERS))})."
            )
        if repeated := sorted(name for name, values in parameters.items() if len(values) > 1):
            raise StorageSettingError(f"REGSVC_STORAGE_URL gives {', '.join(repeated)} more than once.")
        values = {name: found[0] for name, found in parameters.items()}
        endpoint_url = values.get("endpoint_url") or None
        if endpoint_url is not None:
            endpoint = urlsplit(endpoint_url)
            if endpoint.scheme not in ("http", "https") or not endpoint.hostname or "@" in endpoint.netloc:
                raise StorageSettingError(
                    "REGSVC_STORAGE_URL's endpoint_url must be the server's http:// or https:// address, "
                    "e.g. endpoint_url=https://s3.example.org."
                )
        style = values.get("addressing_style") or ("path" if endpoint_url else "virtual")
        if style not in _ADDRESSING_STYLES:
            raise StorageSettingError(
                f"REGSVC_STORAGE_URL's addressing_style must be path or virtual, not {style!r}."
            )
        prefix = parts.path.strip("/")
        return cls(
            bucket=parts.netloc,
            prefix=f"{prefix}/" if prefix else "",
            endpoint_url=endpoint_url,
            region=values.get("region") or None,
            addressing_style=style,
        )

    def __str__(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"s3://{self.bucket}/{self.prefix}{where}"


def check_credentials(access_key_id: str, secret_access_key: str) -> None:
    if bool(access_key_id) != bool(secret_access_key):
        raise StorageSettingError(
            "Set both REGSVC_STORAGE_ACCESS_KEY_ID and REGSVC_STORAGE_SECRET_ACCESS_KEY, or neither "
            "(boto3 then finds the credentials itself)."
        )
