"""Where file bytes live: one small interface, a local directory by default.

Uploaded files and batch results can be hundreds of megabytes, so they are
never kept in Redis or the database: a ``BlobStore`` holds the bytes under
a key, the database the metadata. ``LocalBlobStore`` writes each blob to a
temporary name and renames it into place, so a reader never sees half a
file and a crash leaves at most a stray temporary one. An S3-compatible
bucket is the other store (``omniroute.blob_s3``); ``omniroute.blob_stores``
picks one from the configuration.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK_BYTES = 1024 * 1024
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$")


class BlobTooLarge(ValueError):
    """The bytes offered exceed the limit they were written with."""


def check_key(key: str) -> str:
    """``key`` if it is a blob key (a file name without a directory)."""
    if not _KEY.match(key):
        raise ValueError(f"not a blob key: {key!r}")
    return key


class BlobStore(Protocol):
    async def put(self, key: str, source: BinaryIO, limit: int) -> int:
        """Stores what ``source`` holds under ``key``; its size. Raises
        ``BlobTooLarge`` (storing nothing) past ``limit`` bytes."""
        ...

    async def put_lines(self, key: str, lines: Iterable[bytes]) -> int: ...

    def read(self, key: str) -> AsyncIterator[bytes]: ...

    async def read_all(self, key: str) -> bytes: ...

    async def delete(self, key: str) -> None: ...

    async def aclose(self) -> None:
        """Releases connections; called once, when the service stops."""
        ...


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, key: str) -> Path:
        return self._root / check_key(key)

    async def put(self, key: str, source: BinaryIO, limit: int) -> int:
        return await asyncio.to_thread(self._put, key, source, limit)

    def _put(self, key: str, source: BinaryIO, limit: int) -> int:
        target = self._path(key)
        self._root.mkdir(parents=True, exist_ok=True)
        partial = self._root / f".{key}.{uuid.uuid4().hex}.partial"
        size = 0
        try:
            with partial.open("wb") as out:
                while chunk := source.read(CHUNK_BYTES):
                    size += len(chunk)
                    if size > limit:
                        raise BlobTooLarge(f"larger than {limit} bytes")
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        return size

    async def put_lines(self, key: str, lines: Iterable[bytes]) -> int:
        return await asyncio.to_thread(self._put_lines, key, list(lines))

    def _put_lines(self, key: str, lines: list[bytes]) -> int:
        data = b"".join(line + b"\n" for line in lines)
        return self._put(key, io.BytesIO(data), len(data))

    async def read(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        handle = await asyncio.to_thread(path.open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK_BYTES):
                yield chunk
        finally:
            handle.close()

    async def read_all(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)

    async def aclose(self) -> None:
        """Nothing to release: files are opened and closed per call."""
