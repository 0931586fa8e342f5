"""The audio file of a transcription or translation (multipart ``file``).

Read with a size limit checked before and while reading (a 413 naming
``MAX_AUDIO_BYTES``), and sniffed: a file that is not audio is a 400 that
says what it looks like instead, before any provider is asked.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from omniroute.audio import SUPPORTED, describe_bytes, sniff_audio
from omniroute.errors import BadRequest, PayloadTooLarge

_FORMATS = ", ".join(f.name for f in SUPPORTED)


async def audio_form(request: Request, limit: int) -> dict[str, Any]:
    """The form's text fields, and the file as ``_payload`` (bytes, MIME
    type, file name)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise _too_large(limit)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise BadRequest(
            "send multipart/form-data with a 'file' and a 'model' field",
            param="file",
        )
    async with request.form(
        max_files=1, max_fields=20, max_part_size=limit + 1
    ) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise BadRequest("file: an audio file is required", param="file")
        data = await upload.read(limit + 1)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        filename = upload.filename or "audio"
    if len(data) > limit:
        raise _too_large(limit)
    fmt = sniff_audio(data)
    if fmt is None:
        raise BadRequest(
            f"file: '{filename}' is not audio ({describe_bytes(data)}); "
            f"send {_FORMATS}",
            param="file",
            code="invalid_audio",
        )
    return {**fields, "_payload": (data, fmt.mime, filename)}


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"file: larger than {limit // (1024 * 1024)} MiB (MAX_AUDIO_BYTES)",
        param="file",
    )
