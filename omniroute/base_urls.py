"""Provider base URLs in the form each ecosystem writes them, normalised once.

Every SDK has its own convention for "the base URL", and operators copy the
value they already use: ``ANTHROPIC_BASE_URL=http://host`` (the Anthropic SDK
and Claude Code add ``/v1/messages``), ``GEMINI_BASE_URL=http://host``
(google-genai adds ``/{version}/models/...``), ``OLLAMA_HOST=host:11434``
(no scheme), ``OPENAI_BASE_URL=http://host/v1`` (the OpenAI SDK adds only
``/chat/completions``). The executor appends one path per format to the
stored URL, so the stored URL must end where that path begins: this module
turns each accepted form into that one, at registration, so it is also what
the management API and the dashboard show.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from omniroute.wire.formats import WireFormat

# Paths an operator may paste whole: the endpoint the executor adds itself.
_ENDPOINTS = {
    WireFormat.OPENAI_CHAT: ("/chat/completions",),
    WireFormat.RESPONSES: ("/responses",),
    WireFormat.ANTHROPIC: ("/messages",),
    WireFormat.GEMINI: ("/models",),
    WireFormat.OLLAMA: ("/api/chat", "/api", "/v1"),
}
_GEMINI_VERSION = re.compile(r"/v1(alpha|beta)?\d*$")
OLLAMA_DEFAULT_PORT = 11434


def normalize_base_url(fmt: WireFormat, url: str) -> str:
    """``url`` as the executor needs it for a provider speaking ``fmt``.

    Anthropic URLs end in ``/v1`` and Gemini URLs in their API version
    (``/v1beta`` when none is given), whether the operator wrote it or not;
    an Ollama host may omit the scheme and port, as ``OLLAMA_HOST`` does. An
    empty URL stays empty (the preset's default applies).
    """
    url = url.strip().rstrip("/")
    if not url:
        return url
    if fmt is WireFormat.OLLAMA:
        url = _with_scheme_and_port(url)
    for endpoint in _ENDPOINTS.get(fmt, ()):
        if url.endswith(endpoint):
            url = url.removesuffix(endpoint).rstrip("/")
            break
    if fmt is WireFormat.ANTHROPIC and not url.endswith("/v1"):
        url += "/v1"
    if fmt is WireFormat.GEMINI and not _GEMINI_VERSION.search(urlsplit(url).path):
        url += "/v1beta"
    return url


def _with_scheme_and_port(host: str) -> str:
    """``OLLAMA_HOST`` forms (``host``, ``host:port``, ``:port``) as a URL;
    ollama's own clients default to http and port 11434 the same way."""
    if "://" in host:
        return host
    name, _, rest = host.partition("/")
    if name.startswith(":"):
        name = "127.0.0.1" + name
    if ":" not in name.rsplit("]", 1)[-1]:
        name = f"{name}:{OLLAMA_DEFAULT_PORT}"
    if name.startswith("0.0.0.0"):  # a listen address: reach it on loopback
        name = "127.0.0.1" + name.removeprefix("0.0.0.0")
    return f"http://{name}" + (f"/{rest}" if rest else "")
