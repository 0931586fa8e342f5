"""Images and files inside prompts: data URLs and MIME types.

The hub keeps inline media as ``data:<mime>;base64,<data>`` URLs (OpenAI's
convention); formats that want bare base64 plus a MIME type go through here.
"""

from __future__ import annotations

# First bytes of the common image formats, base64-encoded: Ollama sends bare
# base64 without a MIME type and every other format needs one.
_MAGIC = (
    ("iVBORw0KGgo", "image/png"),
    ("/9j/", "image/jpeg"),
    ("R0lGOD", "image/gif"),
    ("UklGR", "image/webp"),
    ("JVBERi0", "application/pdf"),
)

_EXTENSIONS = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "heic": "image/heic",
    "pdf": "application/pdf",
}


def parse_data_url(url: str) -> tuple[str, str] | None:
    """``(mime, base64 data)`` of a base64 data URL, or None for other URLs."""
    if not url.startswith("data:"):
        return None
    header, sep, data = url[5:].partition(",")
    if not sep or not header.endswith(";base64"):
        return None
    mime = header[: -len(";base64")] or "application/octet-stream"
    return mime, data


def data_url(mime: str, data: str) -> str:
    """A base64 data URL."""
    return f"data:{mime};base64,{data}"


def sniff_mime(data: str, default: str = "image/png") -> str:
    """The MIME type of base64 media, from its first bytes."""
    for prefix, mime in _MAGIC:
        if data.startswith(prefix):
            return mime
    return default


def guess_mime(url: str, default: str = "image/jpeg") -> str:
    """The MIME type of a remote file, from its extension."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    extension = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return _EXTENSIONS.get(extension, default)
