"""A key-scoped base URL for clients that cannot send a header.

Some tools only have a base-URL field (the ``llm`` CLI's Ollama plug-in,
editor plug-ins, ``OLLAMA_HOST`` users): ``<edge>/key/<api key>/api/chat``
is served as ``/api/chat`` with ``Authorization: Bearer <api key>``. The
prefix is removed before anything else sees the request, so the key is
never in a logged path, a trace or a forwarded URL; it is only ever
checked as an API key, by the same code as a header.
"""

from __future__ import annotations

from typing import Any

PREFIX = "/key/"
ASGIApp = Any


def split_key_path(path: str) -> tuple[str, str] | None:
    """``(key, rest)`` of a ``/key/<key>/rest`` path, else None."""
    if not path.startswith(PREFIX):
        return None
    key, slash, rest = path[len(PREFIX) :].partition("/")
    if not key:
        return None
    return key, slash + rest if slash else "/"


class KeyInPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            found = split_key_path(scope["path"])
            if found is not None:
                key, path = found
                headers = [
                    (name, value)
                    for name, value in scope.get("headers") or ()
                    if name.lower() not in (b"authorization", b"x-api-key")
                ]
                headers.append((b"authorization", b"Bearer " + key.encode("latin-1")))
                scope = {
                    **scope,
                    "path": path,
                    "raw_path": path.encode("utf-8"),
                    "headers": headers,
                }
        await self.app(scope, receive, send)
