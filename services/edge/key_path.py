"""The URL as the edge serves it: a key taken out of it, an alias resolved.

Some tools only have a base-URL field (the ``llm`` CLI's Ollama plug-in,
editor plug-ins, ``OLLAMA_HOST`` users), so a key may come in the URL:

* ``<edge>/key/<api key>/api/chat`` is served as ``/api/chat`` with
  ``Authorization: Bearer <api key>``;
* on a client route, ``?key=``, ``?token=``, ``?apiKey=`` or ``?api_key=``
  (as the original OmniRoute reads them) is taken out of the query: ``key``
  becomes ``x-goog-api-key`` (Gemini's REST convention, which also tells the
  Gemini routes it is a Gemini client), the others ``Authorization: Bearer``.
  A key header the client sent wins over the query, as in the original.

This is the outermost wrapper, so the key is never in a logged path or
query, a trace or a forwarded URL; it is only ever checked as an API key,
by the same code as a header. The path is then resolved to the one it is
served as (``client_paths.py``), so the gate and every layer after it see
only served paths.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from services.edge.client_paths import served_path
from services.edge.gate import Door, door_of

PREFIX = "/key/"
ASGIApp = Any
Headers = list[tuple[bytes, bytes]]

# In the order they are read when a client sends several (``key`` first:
# it is Gemini's, and marks the client as one).
QUERY_KEYS = ("key", "token", "apiKey", "api_key")
_KEY_HEADERS = (b"authorization", b"x-api-key", b"x-goog-api-key")


def split_key_path(path: str) -> tuple[str, str] | None:
    """``(key, rest)`` of a ``/key/<key>/rest`` path, else None."""
    if not path.startswith(PREFIX):
        return None
    key, slash, rest = path[len(PREFIX) :].partition("/")
    if not key:
        return None
    return key, slash + rest if slash else "/"


def split_query_keys(query: bytes) -> tuple[bytes, dict[str, str]]:
    """The query without its key parameters, and those parameters (the
    first value of each). The other parameters are kept byte for byte."""
    kept: list[bytes] = []
    keys: dict[str, str] = {}
    for part in query.split(b"&"):
        name, _, value = part.partition(b"=")
        decoded = unquote_plus(name.decode("latin-1"))
        if decoded in QUERY_KEYS:
            keys.setdefault(decoded, unquote_plus(value.decode("latin-1")))
        elif part:
            kept.append(part)
    return b"&".join(kept), keys


def _with_query_keys(headers: Headers, keys: dict[str, str]) -> Headers:
    present = {name.lower() for name, _ in headers}
    added: Headers = []
    if keys.get("key") and b"x-goog-api-key" not in present:
        added.append((b"x-goog-api-key", keys["key"].encode()))
    bearer = next((keys[k] for k in QUERY_KEYS[1:] if keys.get(k)), "")
    if bearer and not present & set(_KEY_HEADERS) and not added:
        added.append((b"authorization", b"Bearer " + bearer.encode()))
    return headers + added


class KeyInPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = served_scope(scope)
        await self.app(scope, receive, send)


def served_scope(scope: dict[str, Any]) -> dict[str, Any]:
    """``scope`` with its key out of the URL and its path as served."""
    path = scope["path"]
    # Never changed in place: a request that needs no rewrite (nearly all)
    # costs no copy of its headers.
    headers: Headers = scope.get("headers") or []
    found = split_key_path(path)
    if found is not None:
        key, path = found
        headers = [
            (name, value)
            for name, value in headers
            if name.lower() not in (b"authorization", b"x-api-key")
        ]
        # UTF-8, which any string encodes to: a key that is not ASCII is no
        # key of ours, and is refused as one instead of failing here.
        headers.append((b"authorization", b"Bearer " + key.encode()))
    path = served_path(path)
    query: bytes = scope.get("query_string") or b""
    if query and door_of(path) in (Door.CLIENT, Door.KEYLESS):
        query, keys = split_query_keys(query)
        headers = _with_query_keys(headers, keys)
    if path == scope["path"]:
        if query == scope.get("query_string", b""):
            return scope
        return {**scope, "query_string": query, "headers": headers}
    return {
        **scope,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": headers,
    }
