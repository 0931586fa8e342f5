"""Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2) without an SDK.

Requests are plain HTTP through aiohttp, signed with AWS Signature Version 4
(the signing functions below follow the S3 API reference, "Signature
Calculations for the Authorization Header: Transferring Payload in a Single
Chunk"). URLs are path-style, ``endpoint/bucket/prefix/key``: every
S3-compatible server accepts them, while virtual-hosted names need DNS or
certificates per bucket that MinIO and Ceph set-ups often lack.

Every request signs the SHA-256 of its body rather than ``UNSIGNED-PAYLOAD``:
``put`` reads the whole upload once anyway to enforce its limit, so the hash
costs nothing extra, and with it the server refuses a body altered or cut
short on the way (``XAmzContentSHA256Mismatch``) instead of storing it.

Each blob is one PUT: S3 takes up to 5 GiB that way, far past the 200 MiB
that MAX_FILE_BYTES allows by default, so multipart upload is not needed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import tempfile
import xml.etree.ElementTree as ElementTree
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, BinaryIO
from urllib.parse import quote

import aiohttp
from yarl import URL

from omniroute.blobs import CHUNK_BYTES, BlobTooLarge, check_key

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
# Uploads up to this size are spooled in memory, larger ones in a temporary
# file: a few concurrent 200 MiB uploads must not hold their bytes in RAM.
SPOOL_BYTES = 8 * 1024 * 1024
# No total deadline: a multi-hundred-megabyte body may take minutes. A server
# that does not accept a connection in 10 s, or goes 60 s without sending a
# byte, is treated as down.
_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=10, sock_connect=10, sock_read=60)
# An error document is a few hundred bytes; more is not worth reading.
_ERROR_BODY_BYTES = 64 * 1024
_ALGORITHM = "AWS4-HMAC-SHA256"
_SERVICE = "s3"


@dataclass(frozen=True)
class S3Location:
    """Where blobs go and the credentials that may put them there."""

    endpoint: str
    bucket: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    region: str = "us-east-1"
    prefix: str = ""


class S3Error(Exception):
    """A request the S3 server refused, with its HTTP status and S3 code."""

    def __init__(
        self, method: str, target: str, status: int, code: str, message: str
    ) -> None:
        super().__init__(f"S3 {method} {target}: HTTP {status} {code}: {message}")
        self.method, self.target, self.status = method, target, status
        self.code, self.message = code, message


class S3NoSuchKey(S3Error, FileNotFoundError):
    """The object is not there; a ``FileNotFoundError`` like a missing local
    blob, so callers handle both stores alike."""


# --------------------------------------------------------------------------
# Signature Version 4
# --------------------------------------------------------------------------


def sign(
    method: str,
    url: URL,
    headers: Mapping[str, str],
    payload_sha256: str,
    location: S3Location,
    now: datetime,
) -> dict[str, str]:
    """``headers`` plus Host, ``x-amz-date``, ``x-amz-content-sha256`` and the
    ``Authorization`` that signs all of them. ``url`` must be encoded already
    (its path is the canonical URI as it stands: S3 paths are not normalised
    or encoded twice)."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    signed = {
        **headers,
        "Host": url.host_port_subcomponent or "",
        "x-amz-date": stamp,
        "x-amz-content-sha256": payload_sha256,
    }
    names, canonical = _canonical_headers(signed)
    request = "\n".join(
        (
            method,
            url.raw_path or "/",
            _canonical_query(url),
            canonical,
            names,
            payload_sha256,
        )
    )
    scope = f"{stamp[:8]}/{location.region}/{_SERVICE}/aws4_request"
    to_sign = "\n".join((_ALGORITHM, stamp, scope, _sha256(request.encode())))
    key = _signing_key(location.secret_access_key, stamp[:8], location.region)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    signed["Authorization"] = (
        f"{_ALGORITHM} Credential={location.access_key_id}/{scope}, "
        f"SignedHeaders={names}, Signature={signature}"
    )
    return signed


def _canonical_headers(headers: Mapping[str, str]) -> tuple[str, str]:
    """Signed header names (``a;b``) and their ``name:value`` lines, sorted,
    values trimmed with inner runs of spaces collapsed."""
    lowered = {name.lower(): " ".join(value.split()) for name, value in headers.items()}
    ordered = sorted(lowered)
    lines = "".join(f"{name}:{lowered[name]}\n" for name in ordered)
    return ";".join(ordered), lines


def _canonical_query(url: URL) -> str:
    pairs = sorted(
        (quote(name, safe="-_.~"), quote(value, safe="-_.~"))
        for name, value in url.query.items()
    )
    return "&".join(f"{name}={value}" for name, value in pairs)


def _signing_key(secret: str, day: str, region: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (day, region, _SERVICE, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------


@dataclass
class _Spooled:
    """An upload read to its end: its bytes, size and SHA-256."""

    file: IO[bytes]
    size: int
    sha256: str


class S3BlobStore:
    """A ``BlobStore`` in one bucket, objects under ``location.prefix``. Its
    HTTP session opens on first use; ``aclose()`` closes it."""

    def __init__(self, location: S3Location) -> None:
        self._location = location
        prefix = location.prefix.strip("/")
        self._prefix = f"{prefix}/" if prefix else ""
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        # Made on first use: a session belongs to the loop it was created in,
        # and this store may be built before that loop runs.
        if self._session is None or self._session.closed:
            # auto_decompress off: a blob's bytes come back exactly as stored.
            self._session = aiohttp.ClientSession(
                timeout=_TIMEOUT, auto_decompress=False
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def url(self, object_key: str = "") -> URL:
        """The path-style URL of ``object_key`` (the bucket's when empty)."""
        base = self._location.endpoint.rstrip("/")
        path = quote(self._location.bucket, safe="")
        if object_key:
            path += "/" + quote(object_key, safe="/")
        return URL(f"{base}/{path}", encoded=True)

    def object_key(self, key: str) -> str:
        """The name in the bucket of blob ``key``: the prefix, then the key."""
        return self._prefix + check_key(key)

    @asynccontextmanager
    async def request(
        self,
        method: str,
        object_key: str = "",
        body: bytes | AsyncIterator[bytes] | None = None,
        payload_sha256: str = EMPTY_SHA256,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """A signed request on ``object_key`` (the bucket when empty); raises
        ``S3Error`` for any answer but a 2xx."""
        url = self.url(object_key)
        signed = sign(
            method,
            url,
            headers or {},
            payload_sha256,
            self._location,
            datetime.now(UTC),
        )
        # Redirects are not followed: the signature names the host, and S3
        # answers a wrong region with a 301 whose error document says so.
        async with self._http().request(
            method, url, headers=signed, data=body, allow_redirects=False
        ) as response:
            if response.status >= 300:
                target = f"{self._location.bucket}/{object_key}".rstrip("/")
                raise await _error(method, target, response)
            yield response

    async def put(self, key: str, source: BinaryIO, limit: int) -> int:
        object_key = self.object_key(key)
        spooled = await asyncio.to_thread(_spool, source, limit)
        try:
            async with self.request(
                "PUT",
                object_key,
                body=_chunks(spooled.file),
                payload_sha256=spooled.sha256,
                headers={
                    # Explicit, so aiohttp sends one body of known length: S3
                    # refuses plain chunked transfer encoding.
                    "Content-Length": str(spooled.size),
                    "Content-Type": "application/octet-stream",
                },
            ):
                pass
        finally:
            spooled.file.close()
        return spooled.size

    async def put_lines(self, key: str, lines: Iterable[bytes]) -> int:
        data = b"".join(line + b"\n" for line in lines)
        async with self.request(
            "PUT",
            self.object_key(key),
            body=data,
            payload_sha256=_sha256(data),
            headers={"Content-Type": "application/octet-stream"},
        ):
            pass
        return len(data)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        async with self.request("GET", self.object_key(key)) as response:
            async for chunk in response.content.iter_chunked(CHUNK_BYTES):
                yield chunk

    async def read_all(self, key: str) -> bytes:
        async with self.request("GET", self.object_key(key)) as response:
            return await response.read()

    async def delete(self, key: str) -> None:
        # S3 answers 204 for a missing object too; some compatible servers
        # say NoSuchKey instead, which means the same here.
        with suppress(S3NoSuchKey):
            async with self.request("DELETE", self.object_key(key)):
                pass


def _spool(source: BinaryIO, limit: int) -> _Spooled:
    """Reads ``source`` to its end, hashing as it goes; ``BlobTooLarge`` as
    soon as it passes ``limit``, before a byte is sent anywhere."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    digest = hashlib.sha256()
    size = 0
    try:
        while chunk := source.read(CHUNK_BYTES):
            size += len(chunk)
            if size > limit:
                raise BlobTooLarge(f"larger than {limit} bytes")
            digest.update(chunk)
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return _Spooled(spool, size, digest.hexdigest())


async def _chunks(file: IO[bytes]) -> AsyncIterator[bytes]:
    while chunk := await asyncio.to_thread(file.read, CHUNK_BYTES):
        yield chunk


async def _error(method: str, target: str, response: aiohttp.ClientResponse) -> S3Error:
    body = b""
    while len(body) < _ERROR_BODY_BYTES and (
        more := await response.content.read(_ERROR_BODY_BYTES - len(body))
    ):
        body += more
    code, message = _error_fields(body)
    # A 404 without an error document (a proxy's, say) is a missing object.
    missing = code == "NoSuchKey" or (response.status == 404 and not code)
    kind = S3NoSuchKey if missing else S3Error
    return kind(
        method,
        target,
        response.status,
        code or "(no code)",
        message or response.reason or "",
    )


def _error_fields(body: bytes) -> tuple[str, str]:
    """``<Code>`` and ``<Message>`` of an S3 error document, in any
    namespace; empty strings when the body is not one."""
    # The document comes from the configured server, is capped in size, and
    # Python's expat refuses entity-expansion bombs.
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return "", ""
    found = {element.tag.rpartition("}")[2]: element.text or "" for element in root}
    return found.get("Code", ""), found.get("Message", "")
