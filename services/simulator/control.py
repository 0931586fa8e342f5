"""The control API under ``/_sim/`` that tests drive: fault rules, the call
log, the prompt cache and a health check. JSON in and out; no key
required."""

from __future__ import annotations

import orjson
from aiohttp import web

from services.simulator.faults import RuleError
from services.simulator.frames import dumps
from services.simulator.state import STATE


def _json(value: object, status: int = 200) -> web.Response:
    return web.Response(
        body=dumps(value), status=status, content_type="application/json"
    )


async def health(request: web.Request) -> web.Response:
    """``GET /_sim/health``."""
    return _json({"status": "ok"})


async def list_faults(request: web.Request) -> web.Response:
    """``GET /_sim/faults``: the active rules, first match first."""
    return _json({"rules": request.app[STATE].faults.list()})


async def add_faults(request: web.Request) -> web.Response:
    """``POST /_sim/faults`` with ``{"rules": [...]}``: appends the rules
    (all or none: one invalid rule rejects the request with 400)."""
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError as exc:
        return _json({"error": f"invalid JSON: {exc}"}, 400)
    rules = body.get("rules") if isinstance(body, dict) else None
    if not isinstance(rules, list):
        return _json({"error": 'expected {"rules": [...]}'}, 400)
    try:
        added = request.app[STATE].faults.add(rules)
    except RuleError as exc:
        return _json({"error": str(exc)}, 400)
    return _json({"added": [rule.describe() for rule in added]})


async def clear_faults(request: web.Request) -> web.Response:
    """``DELETE /_sim/faults``."""
    request.app[STATE].faults.clear()
    return _json({"rules": []})


async def calls(request: web.Request) -> web.Response:
    """``GET /_sim/calls``: ``total``, ``by_key`` / ``by_model`` / ``by_path``
    counts (``""`` for none), ``fast`` (``--fast`` answers, counted in
    ``total`` only), ``held`` (calls a ``hang`` fault holds now) and
    ``recent``: the last 200 requests with method, path, query, key, model,
    headers (authentication values redacted) and body (JSON as sent; for
    multipart and binary bodies, their fields and sizes)."""
    return _json(request.app[STATE].calls.snapshot())


async def reset_calls(request: web.Request) -> web.Response:
    """``DELETE /_sim/calls``."""
    request.app[STATE].calls.reset()
    return _json({"total": 0})


async def prompt_cache(request: web.Request) -> web.Response:
    """``GET /_sim/prompt-cache``: ``scopes``, one per credential (shown as
    ``sha256:`` and 12 hex digits of its hash, ``null`` for none) and model
    that used a prompt cache (Anthropic's breakpoints or OpenAI's automatic
    one), with ``entries`` (live now), ``reads`` (requests that read),
    ``writes`` (entries written), ``tokens_read`` and ``tokens_written``."""
    return _json(request.app[STATE].prompt_cache.snapshot())


async def clear_prompt_cache(request: web.Request) -> web.Response:
    """``DELETE /_sim/prompt-cache``: forgets every entry and counter."""
    request.app[STATE].prompt_cache.clear()
    return _json({"scopes": []})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/_sim/health", health)
    app.router.add_get("/_sim/faults", list_faults)
    app.router.add_post("/_sim/faults", add_faults)
    app.router.add_delete("/_sim/faults", clear_faults)
    app.router.add_get("/_sim/calls", calls)
    app.router.add_delete("/_sim/calls", reset_calls)
    app.router.add_get("/_sim/prompt-cache", prompt_cache)
    app.router.add_delete("/_sim/prompt-cache", clear_prompt_cache)
