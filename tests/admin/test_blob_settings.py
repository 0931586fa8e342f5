"""Which blob store admin opens, as its settings (the environment) say."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from omniroute.blob_s3 import S3BlobStore, S3Location
from omniroute.blob_stores import open_blob_store
from omniroute.blobs import LocalBlobStore
from services.admin.settings import AdminSettings

_S3_ENV = {
    "BLOB_S3_ENDPOINT": "http://minio:9000",
    "BLOB_S3_BUCKET": "omniroute",
    "BLOB_S3_PREFIX": "files",
    "BLOB_S3_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "BLOB_S3_SECRET_ACCESS_KEY": "a-real-looking-secret",
}


@pytest.fixture(autouse=True)
def _no_blob_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*_S3_ENV, "BLOB_S3_REGION", "BLOB_DIR"):
        monkeypatch.delenv(name, raising=False)


def test_without_an_endpoint_blobs_stay_in_the_local_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLOB_DIR", str(tmp_path / "blobs"))
    settings = AdminSettings()
    assert settings.blob_s3() is None
    store = open_blob_store(settings.blobs_dir(), settings.blob_s3())
    assert isinstance(store, LocalBlobStore)


def test_an_endpoint_in_the_environment_selects_the_bucket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in _S3_ENV.items():
        monkeypatch.setenv(name, value)
    settings = AdminSettings()
    assert settings.blob_s3() == S3Location(
        endpoint="http://minio:9000",
        bucket="omniroute",
        access_key_id="AKIDEXAMPLE",
        secret_access_key="a-real-looking-secret",
        region="us-east-1",
        prefix="files",
    )
    store = open_blob_store(settings.blobs_dir(), settings.blob_s3())
    assert isinstance(store, S3BlobStore)
    assert str(store.url(store.object_key("file-1"))) == (
        "http://minio:9000/omniroute/files/file-1"
    )
    assert "a-real-looking-secret" not in repr(settings)
    assert "a-real-looking-secret" not in repr(settings.blob_s3())


def test_an_endpoint_without_bucket_or_keys_stops_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BLOB_S3_ENDPOINT", "https://s3.eu-west-1.amazonaws.com")
    with pytest.raises(ValidationError) as refused:
        AdminSettings()
    assert (
        "BLOB_S3_ENDPOINT is set, so set BLOB_S3_BUCKET, BLOB_S3_ACCESS_KEY_ID, "
        "BLOB_S3_SECRET_ACCESS_KEY"
    ) in str(refused.value)


def test_an_endpoint_must_be_an_http_url(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in _S3_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("BLOB_S3_ENDPOINT", "minio:9000")
    with pytest.raises(ValidationError, match="BLOB_S3_ENDPOINT: an http"):
        AdminSettings()
