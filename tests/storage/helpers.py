"""Looking at a storage from outside, the way an operator would: every file or object it holds,
temporary ones and foreign ones included, and making all of them old."""

from __future__ import annotations

import os
import time
from datetime import timedelta

from regsvc.storage import LocalStorage, Storage
from regsvc.storage.bucket import BucketStorage
from tests.storage.s3 import keys_in, make_old

AN_HOUR_AND_MORE = timedelta(hours=2)


def everything_in(storage: Storage) -> list[str]:
    """Every file below the folder, or every key in the bucket, relative to the storage."""
    if isinstance(storage, LocalStorage):
        if not storage.root.exists():
            return []
        return sorted(
            str(path.relative_to(storage.root)) for path in storage.root.rglob("*") if path.is_file()
        )
    assert isinstance(storage, BucketStorage)
    return [
        key.removeprefix(storage.location.prefix) for key in keys_in(storage._client, storage.location.bucket)
    ]


def age_everything(storage: Storage, age: timedelta = AN_HOUR_AND_MORE) -> None:
    """Every file or object was stored `age` ago."""
    if isinstance(storage, LocalStorage):
        then = time.time() - age.total_seconds()
        for path in storage.root.rglob("*"):
            if path.is_file():
                os.utime(path, (then, then))
        return
    assert isinstance(storage, BucketStorage)
    make_old(storage.location.bucket, age)


def put_foreign_file(storage: Storage, relative: str, data: bytes = b"not ours") -> None:
    """A file this storage did not write, at `relative` below its folder or prefix."""
    if isinstance(storage, LocalStorage):
        path = storage.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    assert isinstance(storage, BucketStorage)
    storage._client.put_object(
        Bucket=storage.location.bucket, Key=f"{storage.location.prefix}{relative}", Body=data
    )
