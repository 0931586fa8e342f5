"""What a call presented: its credential, model and body, read once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

SCHEMES = ("bearer ", "token ")


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


@dataclass(slots=True)
class Inbound:
    credential: str | None
    model: str | None
    raw: bytes = b""
    json: Any = None
    fields: dict[str, str] = field(default_factory=dict)
    # The last file of each multipart name, and every file part in order
    # (an image edit sends several under ``image[]``).
    files: dict[str, Upload] = field(default_factory=dict)
    parts: list[tuple[str, Upload]] = field(default_factory=list)

    def summary(self, content_type: str) -> Any:
        """The body as the call log shows it (no raw bytes)."""
        if self.json is not None:
            return self.json
        if self.fields or self.files:
            files: dict[str, Any] = {}
            for name, upload in self.parts:
                entry = {
                    "filename": upload.filename,
                    "content_type": upload.content_type,
                    "bytes": len(upload.data),
                }
                # A name sent once is one entry; a repeated one, a list.
                if name not in files:
                    files[name] = entry
                elif isinstance(files[name], list):
                    files[name].append(entry)
                else:
                    files[name] = [files[name], entry]
            return {"fields": self.fields, "files": files}
        return {"content_type": content_type, "bytes": len(self.raw)}


def credential_of(request: web.Request) -> str | None:
    """The key the call presented: ``Authorization`` (``Bearer``, Deepgram's
    ``Token``, or AssemblyAI's bare key), ``x-api-key``, ``x-goog-api-key``,
    ``api-key`` (Azure), ``xi-api-key`` (ElevenLabs) or ``?key=``."""
    authorization = request.headers.get("Authorization")
    if authorization:
        for scheme in SCHEMES:
            if authorization.lower().startswith(scheme):
                return authorization[len(scheme) :].strip()
        return authorization.strip()
    for header in ("x-api-key", "x-goog-api-key", "api-key", "xi-api-key"):
        if header in request.headers:
            return request.headers[header]
    return request.query.get("key")


async def read_inbound(request: web.Request) -> Inbound:
    credential = credential_of(request)
    model = request.match_info.get("model") or request.query.get("model")
    if request.content_type == "multipart/form-data":
        inbound = Inbound(credential, model)
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                data = value.file.read()
                upload = Upload(value.filename, value.content_type, data)
                inbound.files[name] = upload
                inbound.parts.append((name, upload))
            else:
                inbound.fields[name] = str(value)
        inbound.model = inbound.fields.get("model", model)
        return inbound
    raw = await request.read()
    inbound = Inbound(credential, model, raw)
    if raw[:1] in (b"{", b"[") or request.content_type == "application/json":
        try:
            inbound.json = orjson.loads(raw)
        except orjson.JSONDecodeError:
            inbound.json = None
    if isinstance(inbound.json, dict):
        # ElevenLabs names the model ``model_id``.
        for name in ("model", "model_id"):
            if isinstance(inbound.json.get(name), str):
                inbound.model = inbound.json[name]
                break
    return inbound
