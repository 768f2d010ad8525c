"""A real S3 API server on loopback for the tests: moto's, in a thread of the test process
(each pytest-xdist worker starts its own), with a new bucket for each test."""

from __future__ import annotations

import itertools
import logging
import secrets
from datetime import timedelta

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends
from moto.server import ThreadedMotoServer

# moto accepts any credentials; these are what the tests look for in logs.
ACCESS_KEY_ID = "AKIATESTSTORAGEKEY01"
SECRET_ACCESS_KEY = "test-secret-" + "s3cr3t" * 6
REGION = "eu-central-1"
_buckets = itertools.count(1)


@pytest.fixture(scope="session")
def s3_endpoint() -> str:
    """The address of an S3 API server on 127.0.0.1, on a free port, for the whole run."""
    # Its request log would fill the captured output of every test.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_client(endpoint: str):
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )


@pytest.fixture
def s3(s3_endpoint):
    """A client of the server, to look at the bucket the way an operator would."""
    return s3_client(s3_endpoint)


@pytest.fixture
def bucket(s3) -> str:
    """A new, empty bucket for this test."""
    name = f"regsvc-test-{next(_buckets)}-{secrets.token_hex(4)}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


def storage_url(endpoint: str, bucket: str, prefix: str = "uploads") -> str:
    return f"s3://{bucket}/{prefix}?endpoint_url={endpoint}&region={REGION}"


@pytest.fixture
def bucket_settings(s3_endpoint, bucket) -> dict:
    """The settings that put an app's uploads in this test's bucket, below uploads/."""
    return {
        "STORAGE_URL": storage_url(s3_endpoint, bucket),
        "STORAGE_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "STORAGE_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
    }


def keys_in(s3, bucket: str) -> list[str]:
    """Every key in the bucket, whatever wrote it."""
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys += [found["Key"] for found in page.get("Contents", [])]
    return sorted(keys)


def make_old(bucket: str, age: timedelta = timedelta(hours=2)) -> None:
    """Every object in the bucket was stored `age` ago, as the server tells it (LastModified).

    S3 has no request that changes when an object was stored, and a sweep must not wait an
    hour: this reaches into the server, which runs in this process."""
    for key in s3_backends[DEFAULT_ACCOUNT_ID]["global"].buckets[bucket].keys.values():
        key.last_modified -= age
