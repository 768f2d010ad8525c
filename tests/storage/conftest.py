"""Each test here that uses the app runs twice: with the uploads in a local folder, and in a
bucket of a real S3 API server on loopback."""

import pytest

from tests.claims.test_pages import token  # noqa: F401 - fixtures of the tests here
from tests.storage.s3 import bucket, bucket_settings, s3, s3_endpoint  # noqa: F401


@pytest.fixture(params=["folder", "bucket"])
def storage_kind(request) -> str:
    return request.param


@pytest.fixture
def app_settings(app_settings, storage_kind, request) -> dict:
    if storage_kind == "bucket":
        return {**app_settings, **request.getfixturevalue("bucket_settings")}
    return app_settings
