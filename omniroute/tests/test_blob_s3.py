"""S3BlobStore against a real S3-compatible server: moto in server mode.

moto checks Signature Version 4 only once authentication is switched on
(``/moto-api/reset-auth``, its documented way for server mode), and then
only for keys its IAM knows. So the server fixture creates an IAM user with
an ``s3:*`` policy and an access key while authentication is still off, then
switches it on: every request the tests make afterwards is verified, its
signature recomputed by botocore inside moto. moto does not compare a body
with its ``x-amz-content-sha256``, so that check of real S3 is not tested.
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from yarl import URL

from omniroute.blob_s3 import (
    SPOOL_BYTES,
    S3BlobStore,
    S3Error,
    S3Location,
    sign,
)
from omniroute.blobs import CHUNK_BYTES, BlobTooLarge
from tests.helpers import poll_until

# moto's IAM routes by the signing scope; before authentication is on the
# signature itself is not checked.
_SETUP_AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=setup/20260101/us-east-1/iam/aws4_request, "
    "SignedHeaders=host, Signature=0"
)
_ALLOW_S3 = (
    '{"Version": "2012-10-17", "Statement": '
    '[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'
)


@dataclass(frozen=True)
class Moto:
    endpoint: str
    access_key_id: str
    secret_access_key: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _post(url: str, body: bytes, headers: dict[str, str]) -> str:
    request = urllib.request.Request(url, data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        text: str = response.read().decode()
        return text


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except (urllib.error.URLError, ConnectionError):
        return False


def _iam(endpoint: str, **params: str) -> str:
    body = urllib.parse.urlencode({"Version": "2010-05-08", **params}).encode()
    return _post(
        endpoint + "/",
        body,
        {
            "Authorization": _SETUP_AUTHORIZATION,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )


def _access_key(endpoint: str) -> tuple[str, str]:
    """A new IAM user allowed everything in S3, and its access key."""
    _iam(endpoint, Action="CreateUser", UserName="blobs")
    _iam(
        endpoint,
        Action="PutUserPolicy",
        UserName="blobs",
        PolicyName="s3",
        PolicyDocument=_ALLOW_S3,
    )
    created = _iam(endpoint, Action="CreateAccessKey", UserName="blobs")
    fields = dict(re.findall(r"<(AccessKeyId|SecretAccessKey)>([^<]+)<", created))
    return fields["AccessKeyId"], fields["SecretAccessKey"]


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Moto]:
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log_path = Path(tmp_path_factory.mktemp("moto")) / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        poll_until(lambda: server.poll() is not None or _answers(endpoint), 30)
        assert server.poll() is None, log_path.read_text(errors="replace")
        key_id, secret = _access_key(endpoint)
        # From here on every request must carry a valid signature.
        _post(f"{endpoint}/moto-api/reset-auth", b"0", {"Content-Type": "text/plain"})
        yield Moto(endpoint, key_id, secret)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


MakeStore = Callable[..., S3BlobStore]


@pytest.fixture
async def make_store(moto: Moto) -> AsyncIterator[MakeStore]:
    """Stores on a new bucket of their own (created through the store's own
    signed request), closed after the test."""
    bucket = f"blobs-{uuid.uuid4().hex[:12]}"
    stores: list[S3BlobStore] = []

    def make(prefix: str = "", secret: str | None = None) -> S3BlobStore:
        location = S3Location(
            endpoint=moto.endpoint,
            bucket=bucket,
            access_key_id=moto.access_key_id,
            secret_access_key=secret or moto.secret_access_key,
            prefix=prefix,
        )
        stores.append(S3BlobStore(location))
        return stores[-1]

    async with make().request("PUT"):
        pass
    try:
        yield make
    finally:
        for store in stores:
            await store.aclose()


async def test_a_large_blob_round_trips_and_streams_in_chunks(
    make_store: MakeStore,
) -> None:
    store = make_store()
    # Past the in-memory spool, so the upload goes through a temporary file.
    data = os.urandom(SPOOL_BYTES + 1024 * 1024 + 17)
    assert await store.put("file-big", io.BytesIO(data), len(data)) == len(data)
    assert await store.read_all("file-big") == data
    chunks = [chunk async for chunk in store.read("file-big")]
    assert len(chunks) > 1
    assert all(len(chunk) <= CHUNK_BYTES for chunk in chunks)
    assert b"".join(chunks) == data


async def test_put_lines_stores_each_line_newline_terminated(
    make_store: MakeStore,
) -> None:
    store = make_store()
    size = await store.put_lines("file-out", [b'{"a":1}', b'{"b":2}'])
    assert await store.read_all("file-out") == b'{"a":1}\n{"b":2}\n'
    assert size == len(b'{"a":1}\n{"b":2}\n')


async def test_past_the_limit_nothing_is_stored(make_store: MakeStore) -> None:
    store = make_store()
    assert await store.put("file-at-limit", io.BytesIO(b"x" * 10), 10) == 10
    with pytest.raises(BlobTooLarge):
        await store.put("file-too-big", io.BytesIO(b"x" * 11), 10)
    with pytest.raises(FileNotFoundError):
        await store.read_all("file-too-big")
    # An oversized replacement leaves the blob that was there untouched.
    with pytest.raises(BlobTooLarge):
        await store.put("file-at-limit", io.BytesIO(b"y" * 11), 10)
    assert await store.read_all("file-at-limit") == b"x" * 10


async def test_delete_twice_then_the_blob_is_gone(make_store: MakeStore) -> None:
    store = make_store()
    await store.put_lines("file-gone", [b"line"])
    await store.delete("file-gone")
    await store.delete("file-gone")
    with pytest.raises(FileNotFoundError, match="NoSuchKey"):
        await store.read_all("file-gone")
    with pytest.raises(FileNotFoundError):
        async for _ in store.read("file-gone"):
            pass


async def test_objects_live_under_the_prefix(make_store: MakeStore) -> None:
    tenant = make_store(prefix="/tenant-a/blobs/")
    await tenant.put_lines("file-1", [b"mine"])
    async with make_store().request("GET", "tenant-a/blobs/file-1") as response:
        assert await response.read() == b"mine\n"
    with pytest.raises(FileNotFoundError):
        await make_store(prefix="tenant-b").read_all("file-1")
    assert await make_store(prefix="tenant-a/blobs").read_all("file-1") == b"mine\n"


async def test_a_wrong_secret_is_refused_with_the_s3_code(
    make_store: MakeStore,
) -> None:
    store = make_store(secret="not-the-secret")
    with pytest.raises(S3Error) as refused:
        await store.put_lines("file-1", [b"line"])
    error = refused.value
    assert (error.status, error.code) == (403, "SignatureDoesNotMatch")
    assert not isinstance(error, FileNotFoundError)
    bucket = store.url().path.strip("/")
    assert f"S3 PUT {bucket}/file-1: HTTP 403 SignatureDoesNotMatch" in str(error)
    assert "not-the-secret" not in str(error)


async def test_a_missing_bucket_is_an_error_not_a_missing_blob(moto: Moto) -> None:
    store = S3BlobStore(
        S3Location(
            moto.endpoint,
            "no-such-bucket",
            moto.access_key_id,
            moto.secret_access_key,
        )
    )
    try:
        with pytest.raises(S3Error, match="no-such-bucket/file-1") as refused:
            await store.read_all("file-1")
    finally:
        await store.aclose()
    assert refused.value.code == "NoSuchBucket"
    assert not isinstance(refused.value, FileNotFoundError)


def test_signature_matches_the_s3_reference_example() -> None:
    """The GET example of the S3 API reference's "Signature Calculations for
    the Authorization Header: Transferring Payload in a Single Chunk"."""
    location = S3Location(
        endpoint="https://examplebucket.s3.amazonaws.com",
        bucket="",
        access_key_id="AKIAIOSFODNN7EXAMPLE",
        secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )
    headers = sign(
        "GET",
        URL("https://examplebucket.s3.amazonaws.com/test.txt", encoded=True),
        {"Range": "bytes=0-9"},
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        location,
        datetime(2013, 5, 24, tzinfo=UTC),
    )
    assert headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
        "aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )
