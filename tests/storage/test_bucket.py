"""What only a bucket does: its address in STORAGE_URL, its credentials, listing page by page,
the server's clock, private objects, and a server that is down."""

from __future__ import annotations

import logging
import socket
import time
from datetime import datetime, timedelta

import pytest

import config
from regsvc.storage import StagedFile, StorageUnavailable, place_on_commit, storage_from_settings
from regsvc.storage import bucket as bucket_module
from regsvc.storage.bucket import BucketStorage
from regsvc.storage.location import BucketLocation, StorageSettingError
from tests.storage.s3 import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, keys_in, make_old, storage_url


def bucket_storage(url: str, **credentials) -> BucketStorage:
    credentials = credentials or {"access_key_id": ACCESS_KEY_ID, "secret_access_key": SECRET_ACCESS_KEY}
    return BucketStorage(BucketLocation.parse(url), **credentials)


@pytest.fixture
def storage(s3_endpoint, bucket) -> BucketStorage:
    return bucket_storage(storage_url(s3_endpoint, bucket))


def test_storage_url_names_the_bucket_its_prefix_and_its_server():
    location = BucketLocation.parse(
        "s3://regsvc-uploads/conference/receipts/?endpoint_url=https://s3.example.org:9000&region=eu-central-1"
    )
    assert location == BucketLocation(
        bucket="regsvc-uploads",
        prefix="conference/receipts/",
        endpoint_url="https://s3.example.org:9000",
        region="eu-central-1",
        addressing_style="path",
    )
    amazon = BucketLocation.parse("s3://regsvc-uploads")
    assert (amazon.prefix, amazon.endpoint_url, amazon.region, amazon.addressing_style) == (
        "",
        None,
        None,
        "virtual",
    )
    assert BucketLocation.parse(
        "s3://b-1/?addressing_style=virtual&endpoint_url=http://x"
    ).addressing_style == ("virtual")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/srv/uploads", "must start with s3://"),
        ("https://bucket.example.org/x", "must start with s3://"),
        ("s3://AKIAKEY:very-secret@regsvc-uploads/x", "must not hold credentials"),
        ("s3://x/prefix", "must name a bucket"),
        ("s3://Regsvc_Uploads", "must name a bucket"),
        ("s3://regsvc-uploads/?endpoint=http://127.0.0.1:9000", "parameters regsvc does not know: endpoint"),
        ("s3://regsvc-uploads/?region=a&region=b", "gives region more than once"),
        ("s3://regsvc-uploads/?endpoint_url=127.0.0.1:9000", "endpoint_url must be the server's http"),
        ("s3://regsvc-uploads/?endpoint_url=http://key:very-secret@127.0.0.1", "endpoint_url must be"),
        ("s3://regsvc-uploads/?addressing_style=dns", "addressing_style must be path or virtual"),
        ("s3://regsvc-uploads/x#y", "must not end with a #fragment"),
        ("s3://regsvc-uploads/?region", "parameters must read name=value"),
    ],
)
def test_a_storage_url_that_cannot_be_used_is_refused_saying_why_and_never_repeating_a_secret(url, message):
    with pytest.raises(StorageSettingError, match=message) as refused:
        BucketLocation.parse(url)
    assert "very-secret" not in str(refused.value)


def test_the_credentials_are_both_set_or_neither():
    location = BucketLocation.parse("s3://regsvc-uploads")
    with pytest.raises(StorageSettingError, match="both REGSVC_STORAGE_ACCESS_KEY_ID and"):
        BucketStorage(location, access_key_id=ACCESS_KEY_ID)


def test_the_settings_choose_the_bucket_or_the_folder(s3_endpoint, bucket, tmp_path):
    settings = {
        "STORAGE_URL": "",
        "UPLOAD_FOLDER": str(tmp_path),
        "STORAGE_ACCESS_KEY_ID": "",
        "STORAGE_SECRET_ACCESS_KEY": "",
    }
    assert type(storage_from_settings(settings)).__name__ == "LocalStorage"
    chosen = storage_from_settings(
        {
            **settings,
            "STORAGE_URL": storage_url(s3_endpoint, bucket),
            "STORAGE_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "STORAGE_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        }
    )
    assert isinstance(chosen, BucketStorage) and chosen.location.bucket == bucket
    assert chosen.description == f"the bucket s3://{bucket}/uploads/ at {s3_endpoint}"


def test_files_are_kept_below_the_prefix_as_in_a_folder_and_are_private(storage, s3, bucket):
    photo = storage.commit(storage.stage(b"\xff\xd8 photo", "jpg"))
    assert keys_in(s3, bucket) == [f"uploads/{photo[:2]}/{photo}"]
    stored = s3.get_object(Bucket=bucket, Key=f"uploads/{photo[:2]}/{photo}")
    assert stored["ContentType"] == "image/jpeg"
    grants = s3.get_object_acl(Bucket=bucket, Key=f"uploads/{photo[:2]}/{photo}")["Grants"]
    assert [grant["Grantee"]["Type"] for grant in grants] == ["CanonicalUser"]  # its owner's only


def test_the_listing_goes_through_every_page(storage, bucket):
    storage.list_page_size = 2
    names = [storage.commit(storage.stage(f"photo {n}".encode(), "jpg")) for n in range(5)]
    assert storage.stored_names() == sorted(names)
    make_old(bucket)
    report = storage.sweep({names[0]})
    assert sorted(report.orphans_removed) == sorted(names[1:])
    assert storage.stored_names() == [names[0]]


def test_ages_are_measured_by_the_bucket_servers_clock(storage, monkeypatch):
    """An app server whose clock runs a day ahead does not take a new upload for an old one."""
    orphan = storage.commit(storage.stage(b"just uploaded", "jpg"))

    class DayAhead(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) + timedelta(days=1)

    # The app's clock as the bucket storage would read it; the server, in this process, keeps its own.
    monkeypatch.setattr(bucket_module, "datetime", DayAhead)
    assert storage.sweep(set(), older_than=timedelta(hours=1)).orphans_removed == []
    assert storage.exists(orphan)


def test_a_discard_that_fails_is_logged_and_the_transaction_ends_as_it_would(
    app, session, storage, monkeypatch, caplog
):
    staged = storage.stage(b"\xff\xd8 photo", "jpg")

    def unreachable(self, name):
        raise StorageUnavailable("the bucket could not delete a file: connection refused")

    monkeypatch.setattr(BucketStorage, "delete", unreachable)
    with pytest.raises(RuntimeError, match="the row was refused"), session.begin():
        place_on_commit(session, staged)
        raise RuntimeError("the row was refused")
    assert f"could not discard upload {staged.name}" in caplog.text
    monkeypatch.undo()
    # Left for sweep-uploads: no row names it.
    assert storage.sweep(set(), now=time.time() + 7200).orphans_removed == [staged.name]


@pytest.fixture
def closed_port() -> int:
    """A port on loopback where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_server_that_is_down_makes_the_storage_unwritable_and_every_use_fail_clearly(closed_port):
    storage = bucket_storage(storage_url(f"http://127.0.0.1:{closed_port}", "regsvc-uploads"))
    assert not storage.writable()
    name = storage.new_name("jpg")
    for use in (
        lambda: storage.stage(b"photo", "jpg"),
        lambda: storage.read(name),
        lambda: storage.exists(name),
        lambda: storage.delete(name),
        storage.stored_names,
    ):
        with pytest.raises(
            StorageUnavailable,
            match=f"the bucket s3://regsvc-uploads/uploads/ at http://127.0.0.1:{closed_port} could not",
        ):
            use()


def test_a_bucket_that_does_not_exist_is_not_writable(s3_endpoint):
    assert not bucket_storage(storage_url(s3_endpoint, "no-such-bucket")).writable()


def test_the_secret_is_never_logged_nor_told(s3_endpoint, bucket, closed_port, caplog):
    caplog.set_level(logging.DEBUG)  # botocore's own log too, at its most talkative
    storage = bucket_storage(storage_url(s3_endpoint, bucket))
    name = storage.commit(storage.stage(b"photo", "jpg"))
    storage.read(name)
    storage.sweep(set(), now=time.time() + 7200)
    down = bucket_storage(storage_url(f"http://127.0.0.1:{closed_port}", bucket))
    assert not down.writable()
    with pytest.raises(StorageUnavailable) as failure:
        down.read(name)
    told = caplog.text + str(failure.value) + repr(storage.__dict__) + storage.description
    assert caplog.records and SECRET_ACCESS_KEY not in told


def test_the_region_reaches_the_client(storage):
    assert storage._client.meta.region_name == REGION


def test_a_staged_file_discarded_is_deleted(storage, s3, bucket):
    staged = storage.stage(b"photo", "jpg")
    storage.discard(StagedFile(storage, staged.name))
    assert keys_in(s3, bucket) == []


def test_regsvc_does_not_start_with_a_storage_setting_it_cannot_use():
    with pytest.raises(StorageSettingError, match="must start with s3://"):
        config.load_settings("development", {"REGSVC_STORAGE_URL": "/srv/uploads"})
    with pytest.raises(StorageSettingError, match="or neither"):
        config.load_settings(
            "development",
            {
                "REGSVC_STORAGE_URL": "s3://regsvc-uploads",
                "REGSVC_STORAGE_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            },
        )


def test_an_installed_package_on_a_bucket_and_postgresql_needs_no_data_directory(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "CHECKOUT", None)  # config.py inside an installed package
    monkeypatch.chdir(tmp_path)
    production = {
        "REGSVC_SECRET_KEY": "k" * 40,
        "REGSVC_PUBLIC_URL": "https://r.example",
        "REGSVC_DATABASE_URL": "postgresql+psycopg://db/r",
    }
    with pytest.raises(RuntimeError, match="REGSVC_UPLOAD_FOLDER"):
        config.load_settings("production", production)
    settings = config.load_settings(
        "production", {**production, "REGSVC_STORAGE_URL": "s3://regsvc-uploads/r"}
    )
    assert settings["STORAGE_URL"] == "s3://regsvc-uploads/r"
