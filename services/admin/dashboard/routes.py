"""``/dashboard``: the operator UI, served by admin as static files.

There is no build step: the files under ``static/`` are what the browser
runs (HTML, CSS and JavaScript modules). Their names carry no content hash,
so nothing may be cached blindly: every answer says ``Cache-Control:
no-cache`` with an ETag, and the browser revalidates with ``If-None-Match``
(a 304 is one short round trip). The edge forwards ``/dashboard*`` here, so
the UI and the management API share one origin and the ``auth_token``
cookie.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

STATIC_DIR = Path(__file__).parent / "static"
INDEX = "index.html"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
}

# Everything the UI needs comes from this origin; nothing inline, nothing
# from elsewhere. Style attributes set through the CSSOM (element.style) are
# allowed by 'self'; inline <style>/<script> and style="" markup are not.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: str
    etag: str
    # What the file was when read: a change on disk is served at once.
    mtime_ns: int
    size: int


class AssetStore:
    """Files of one directory, read once and re-read when they change."""

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()
        self._cache: dict[Path, Asset] = {}

    def get(self, relative: str) -> Asset | None:
        path = self._resolve(relative)
        if path is None:
            return None
        try:
            stat = path.stat()
        except OSError:
            return None
        cached = self._cache.get(path)
        if cached and (cached.mtime_ns, cached.size) == (
            stat.st_mtime_ns,
            stat.st_size,
        ):
            return cached
        body = path.read_bytes()
        asset = Asset(
            body=body,
            content_type=CONTENT_TYPES[path.suffix],
            etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
            mtime_ns=stat.st_mtime_ns,
            size=stat.st_size,
        )
        self._cache[path] = asset
        return asset

    def _resolve(self, relative: str) -> Path | None:
        """The file under the root, or None (unknown type, outside the root,
        hidden, or not a regular file)."""
        if not relative or "\\" in relative or "\x00" in relative:
            return None
        parts = relative.split("/")
        if any(p in ("", ".", "..") or p.startswith(".") for p in parts):
            return None
        path = (self._root / relative).resolve()
        if not path.is_relative_to(self._root) or path.suffix not in CONTENT_TYPES:
            return None
        return path if path.is_file() else None


def _answer(request: Request, asset: Asset) -> Response:
    headers = {
        "Cache-Control": "no-cache",
        "ETag": asset.etag,
        **SECURITY_HEADERS,
    }
    if asset.etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.content_type, headers=headers)


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def build_router(root: Path = STATIC_DIR) -> APIRouter:
    """The dashboard's routes, serving the files under ``root``."""
    store = AssetStore(root)
    router = APIRouter(tags=["dashboard"], include_in_schema=False)

    @router.api_route("/dashboard", methods=["GET", "HEAD"])
    async def shell(request: Request) -> Response:
        """The single page (routing happens in the URL's #fragment)."""
        asset = store.get(INDEX)
        if asset is None:
            raise HTTPException(404)
        return _answer(request, asset)

    @router.api_route("/dashboard/{path:path}", methods=["GET", "HEAD"])
    async def static_file(request: Request, path: str) -> Response:
        """A file of the UI; ``/dashboard/`` is the page itself."""
        asset = store.get(path or INDEX)
        if asset is None:
            raise HTTPException(404)
        return _answer(request, asset)

    return router


router = build_router()
