"""Uploaded files in an S3-compatible bucket (the STORAGE_URL setting), shared by every app server.

    s3://regsvc-uploads/receipts?endpoint_url=https://s3.example.org&region=eu-central-1

The bucket, an optional key prefix, and as parameters the server's address (`endpoint_url`;
none: Amazon S3), its `region` and its `addressing_style` (`path`, the default with an
`endpoint_url`, or `virtual`). The credentials come from the STORAGE_ACCESS_KEY_ID and
STORAGE_SECRET_ACCESS_KEY settings or, without them, from wherever boto3 finds them (the
AWS_* environment variables, ~/.aws, an instance role); never from the URL, never in a log.
Objects are private: nothing here makes one public, and the app serves them itself.

An object is written whole or not at all (a PUT is atomic), so staging writes a file at its
final key at once: no reader finds it before the row that names it commits, and once the row
has committed the file is in place. The commit alone decides; no move follows it that a crash
could cut off. A transaction that rolls back deletes the object; a process that dies before its
commit leaves an object that no row names, which `sweep` removes once it is old. Ages are read
from the objects' LastModified against the bucket server's own clock (the Date of its answer),
so a server whose clock is wrong does not make a new upload look old.
"""

from __future__ import annotations

import io
import logging
import secrets
from collections.abc import Collection, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, BinaryIO

import boto3
from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from regsvc.storage.base import (
    SWEEP_AFTER,
    OpenedFile,
    StagedFile,
    Storage,
    StorageUnavailable,
    SweepReport,
    is_stored_name,
    stored_path,
)
from regsvc.storage.location import BucketLocation, check_credentials

log = logging.getLogger(__name__)

_NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound"})
_CONTENT_TYPES = {"jpg": "image/jpeg", "pdf": "application/pdf"}
# A web request should not hang on a bucket that does not answer; the standard retry mode
# tries a request three times, backing off, before the error reaches the page.
_CLIENT_CONFIG = Config(
    connect_timeout=5,
    read_timeout=30,
    retries={"max_attempts": 3, "mode": "standard"},
    # Checksums only where S3 requires them: several S3-compatible servers refuse the CRC
    # headers that botocore would add to every upload.
    request_checksum_calculation="when_required",
    response_checksum_validation="when_required",
)
_READ_BUFFER = 256 * 1024


class BucketStorage(Storage):
    # Objects asked for per listing request; S3 answers at most 1000. Tests make it small.
    list_page_size = 1000

    def __init__(self, location: BucketLocation, *, access_key_id: str = "", secret_access_key: str = ""):
        check_credentials(access_key_id, secret_access_key)
        self.location = location
        self.description = f"the bucket {location}"
        session = boto3.session.Session(
            aws_access_key_id=access_key_id or None, aws_secret_access_key=secret_access_key or None
        )
        self._client = session.client(
            "s3",
            endpoint_url=location.endpoint_url,
            region_name=location.region,
            config=_CLIENT_CONFIG.merge(Config(s3={"addressing_style": location.addressing_style})),
        )

    @classmethod
    def from_settings(cls, config: Mapping[str, Any]) -> BucketStorage:
        return cls(
            BucketLocation.parse(config["STORAGE_URL"]),
            access_key_id=config["STORAGE_ACCESS_KEY_ID"],
            secret_access_key=config["STORAGE_SECRET_ACCESS_KEY"],
        )

    def key(self, name: str) -> str:
        return f"{self.location.prefix}{stored_path(name)}"

    def _name_of(self, key: str) -> str | None:
        """The stored name of a committed file's key; None for a key this storage did not write."""
        folder, _, name = key.removeprefix(self.location.prefix).partition("/")
        return name if is_stored_name(name) and folder == name[:2] else None

    def _failure(self, doing: str, error: Exception) -> StorageUnavailable:
        return StorageUnavailable(f"{self.description} could not {doing}: {error}")

    def _call(self, doing: str, operation: str, **arguments: Any) -> dict[str, Any]:
        try:
            return getattr(self._client, operation)(Bucket=self.location.bucket, **arguments)
        except (ClientError, BotoCoreError) as error:
            raise self._failure(doing, error) from error

    # -- writing ----------------------------------------------------------------------

    def stage(self, data: bytes, extension: str) -> StagedFile:
        """Write `data` at its final key: see the module's description."""
        staged = StagedFile(self, self.new_name(extension))
        self._call(
            "store a file",
            "put_object",
            Key=self.key(staged.name),
            Body=data,
            ContentType=_CONTENT_TYPES[extension],
        )
        return staged

    def commit(self, staged: StagedFile) -> str:
        # In place since it was staged.
        return staged.name

    def discard(self, staged: StagedFile) -> None:
        self.delete(staged.name)

    def put(self, name: str, source: BinaryIO) -> None:
        # A large file goes up in parts, and the object appears only once all are there.
        try:
            self._client.upload_fileobj(
                source,
                self.location.bucket,
                self.key(name),
                ExtraArgs={"ContentType": _CONTENT_TYPES[name.rpartition(".")[2]]},
            )
        except (ClientError, BotoCoreError, Boto3Error) as error:
            raise self._failure("store a file", error) from error

    def delete(self, name: str) -> None:
        self._call("delete a file", "delete_object", Key=self.key(name))

    def writable(self) -> bool:
        """Puts and deletes a small probe object."""
        probe = f"{self.location.prefix}health-probe-{secrets.token_hex(8)}"
        try:
            self._call("store a probe", "put_object", Key=probe, Body=b"ok")
            self._call("delete a probe", "delete_object", Key=probe)
        except StorageUnavailable as error:
            log.warning("%s", error)
            return False
        return True

    # -- reading ----------------------------------------------------------------------

    def exists(self, name: str) -> bool:
        key = self.key(name)
        try:
            self._client.head_object(Bucket=self.location.bucket, Key=key)
        except ClientError as error:
            if _error_code(error) in _NOT_FOUND:
                return False
            raise self._failure("look for a file", error) from error
        except BotoCoreError as error:
            raise self._failure("look for a file", error) from error
        return True

    def open(self, name: str) -> OpenedFile:
        key = self.key(name)
        try:
            found = self._client.get_object(Bucket=self.location.bucket, Key=key)
        except ClientError as error:
            if _error_code(error) in _NOT_FOUND:
                raise FileNotFoundError(f"{name} is not in {self.description}") from None
            raise self._failure("read a file", error) from error
        except BotoCoreError as error:
            raise self._failure("read a file", error) from error
        stream = io.BufferedReader(_ObjectStream(found["Body"], self), _READ_BUFFER)
        return OpenedFile(stream, found["ContentLength"], found["LastModified"])

    def stored_names(self) -> list[str]:
        return sorted(name for _server_time, objects in self._listing() for name, _stored_at in objects)

    def _listing(self) -> Iterator[tuple[datetime | None, list[tuple[str, datetime]]]]:
        """Each page of the listing of the prefix: the server's time of the answer, and the
        committed files in it with when each was stored."""
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.location.bucket,
            Prefix=self.location.prefix,
            PaginationConfig={"PageSize": self.list_page_size},
        )
        try:
            for page in pages:
                objects = [
                    (name, found["LastModified"])
                    for found in page.get("Contents", [])
                    if (name := self._name_of(found["Key"])) is not None
                ]
                yield _server_time(page), objects
        except (ClientError, BotoCoreError) as error:
            raise self._failure("list its files", error) from error

    # -- tidying ----------------------------------------------------------------------

    def sweep(
        self,
        known_names: Collection[str] | None = None,
        *,
        older_than: timedelta = SWEEP_AFTER,
        now: float | None = None,
    ) -> SweepReport:
        """Removes objects that no row names. Nothing is ever staged elsewhere than at its final
        key, so there are no temporary files to remove, nor any to put in place; without
        `known_names` there is nothing to do."""
        report = SweepReport()
        if known_names is None:
            return report
        known = set(known_names)
        for server_time, objects in self._listing():
            moment = datetime.fromtimestamp(now, UTC) if now is not None else server_time
            deadline = (moment or datetime.now(UTC)) - older_than
            for name, stored_at in objects:
                if name not in known and stored_at < deadline:
                    self.delete(name)
                    report.orphans_removed.append(name)
        return report


class _ObjectStream(io.RawIOBase):
    """An object's body as a raw stream whose failures are StorageUnavailable, like any
    other failure of the bucket."""

    def __init__(self, body, storage: BucketStorage):
        self._body = body
        self._storage = storage

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self._body.read(len(buffer))
        except BotoCoreError as error:
            raise self._storage._failure("read a file", error) from error
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _server_time(page: Mapping[str, Any]) -> datetime | None:
    """The Date of the server's answer."""
    date = page.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    try:
        return parsedate_to_datetime(date) if date else None
    except ValueError:
        return None
