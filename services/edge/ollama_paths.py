"""Which paths are Ollama's: its API lives under ``/api``, beside the
management API's, and its errors must be Ollama-shaped."""

from __future__ import annotations

# Ollama's own paths under /api (the rest is admin's). A prefix each:
# /api/embed covers /api/embeddings.
PATHS = (
    "/api/chat",
    "/api/generate",
    "/api/embed",
    "/api/tags",
    "/api/show",
    "/api/ps",
    "/api/version",
)

# Ollama's model management. A gateway serves its providers' models, so
# these are refused by the edge, in Ollama's shape, instead of reaching the
# management API's /api/* (where they would be an OpenAI-shaped 404).
MODEL_MANAGEMENT = (
    "/api/pull",
    "/api/push",
    "/api/create",
    "/api/copy",
    "/api/delete",
    "/api/blobs/",
)


def is_ollama_path(path: str) -> bool:
    """Whether ``path`` is one of Ollama's (``/v1`` twins included)."""
    path = path.removeprefix("/v1")
    return path.startswith(PATHS) or path.startswith(MODEL_MANAGEMENT)
