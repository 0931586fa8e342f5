"""The client paths the original OmniRoute serves besides ``/v1/...``, as the
paths the edge serves them as.

Clients are configured with a base URL, and users type it every way: with
and without ``/v1``, with ``/v1`` twice, with the ``/api/v1`` the original
serves internally, with a provider name in front. The original's Next.js
rewrites (``next.config.mjs``) accept all of these, so tools set up for it
must work here too:

===============================================  ==================================
``/chat/completions``, ``/responses``,           ``/v1/...``
``/models``, ``/responses/<rest>``
``/v1/v1/<rest>``, ``/v1/v1``                    ``/v1/<rest>``, ``/v1/models``
``/v1``, ``/api/v1`` (its models list)           ``/v1/models``
``/codex``, ``/codex/<anything>``                ``/v1/responses``
``/api/v1/<rest>``, ``/api/v1beta/<rest>``       ``/v1/<rest>``, ``/v1beta/<rest>``
``/anthropic/v1/<rest>``, ``/openai/v1/<rest>``  ``/v1/<rest>``
===============================================  ==================================

The original's v3.8 rewrites every ``/anthropic/*`` and ``/openai/*`` path
into its ``/api/*`` (3.7.9 answers them with an HTML 404), where its
management API lives too: ``/anthropic/keys`` would be ``/api/keys``. Here
only their ``/v1`` paths are the client API; any other path under them is an
unknown client path, a JSON 404 in that client's format, never a management
route.

The rewrite runs before the gate, so an alias is admitted at the door of the
path it is served as: ``/api/v1/chat/completions`` is a client route, keyed
and filtered like ``/v1/chat/completions``, not a management one.
"""

from __future__ import annotations

# Exact paths.
_EXACT = {
    "/chat/completions": "/v1/chat/completions",
    "/responses": "/v1/responses",
    "/models": "/v1/models",
    "/v1": "/v1/models",
    "/v1/v1": "/v1/models",
    "/codex": "/v1/responses",
    "/api/v1": "/v1/models",
}
# Prefixes whose rest is kept: (prefix, replacement).
_PREFIXES = (
    ("/v1/v1/", "/v1/"),
    ("/api/v1/", "/v1/"),
    ("/api/v1beta/", "/v1beta/"),
    ("/anthropic/v1/", "/v1/"),
    ("/openai/v1/", "/v1/"),
    ("/responses/", "/v1/responses/"),
)
# The Codex CLI's base URL: every path under it is the Responses endpoint.
_CODEX = "/codex/"
# An Anthropic base URL: its paths other than /v1's are a 404 in Anthropic's
# format (an OpenAI one's in OpenAI's, the edge's default).
ANTHROPIC_PREFIX = "/anthropic/"


def served_path(path: str) -> str:
    """The path ``path`` is served as (itself when it is no alias)."""
    exact = _EXACT.get(path)
    if exact is not None:
        return exact
    if path.startswith(_CODEX):
        return "/v1/responses"
    for prefix, replacement in _PREFIXES:
        if path.startswith(prefix):
            return replacement + path[len(prefix) :]
    return path
