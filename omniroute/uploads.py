"""Files a client uploaded, carried from the edge to the executor.

A ``Dispatch`` has one binary ``payload``. An operation with several files
(an image edit: up to 16 images and a mask) sends them as their bytes one
after another in that payload, with a manifest in its JSON request naming
each file's multipart field, filename, type and length, so the executor can
send the provider the same multipart fields the client sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# The manifest's key in the operation's JSON request.
MANIFEST = "_files"

# First bytes of the image formats OpenAI's image edits take (WebP: below).
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


@dataclass(frozen=True, slots=True)
class Upload:
    field: str
    filename: str
    content_type: str
    data: bytes


def sniff_image(data: bytes) -> str | None:
    """The MIME type of an image's bytes (PNG, JPEG or WebP), else None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for magic, mime in _IMAGE_MAGIC:
        if data.startswith(magic):
            return mime
    return None


def pack(uploads: Iterable[Upload]) -> tuple[bytes, list[dict[str, Any]]]:
    """(payload, manifest) of ``uploads``, in their order."""
    payload = bytearray()
    manifest: list[dict[str, Any]] = []
    for upload in uploads:
        manifest.append(
            {
                "field": upload.field,
                "filename": upload.filename,
                "content_type": upload.content_type,
                "size": len(upload.data),
            }
        )
        payload += upload.data
    return bytes(payload), manifest


def unpack(payload: bytes, manifest: Any) -> list[Upload]:
    """The uploads ``pack`` made ``payload`` and ``manifest`` of; raises
    ValueError when they do not match."""
    if not isinstance(manifest, list):
        raise ValueError("the upload manifest is not a list")
    uploads: list[Upload] = []
    offset = 0
    for entry in manifest:
        size = int(entry["size"])
        if size < 0 or offset + size > len(payload):
            raise ValueError("the upload manifest does not match its payload")
        uploads.append(
            Upload(
                str(entry["field"]),
                str(entry["filename"]),
                str(entry["content_type"]),
                payload[offset : offset + size],
            )
        )
        offset += size
    if offset != len(payload):
        raise ValueError("the upload payload holds bytes its manifest does not name")
    return uploads
