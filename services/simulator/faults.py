"""Fault rules: which calls misbehave, how, and how many times.

A rule (``POST /_sim/faults`` with ``{"rules": [...]}``)::

    {"match": {"key": "sk-1", "model": "m", "path": "/chat"},  # each optional
     "times": 2,            # the next 2 matching calls, then it expires
     ...one or more actions}

The first matching rule wins (``path`` is a substring of the request path,
``key`` the exact credential). Actions:

* ``latency_ms``: wait before the response headers (adds to ``--latency-ms``);
* ``status`` (+ ``message``, ``retry_after`` seconds for ``Retry-After``,
  ``headers``, ``body`` raw text or JSON replacing the error body): answer
  with that error in the called provider's own shape;
* ``hang``: accept the call and never answer, until the client disconnects;
* ``hang_after_chunks`` N: send N chunks, then stall (0: headers only);
* ``truncate_after_chunks`` N: send N chunks, then close the connection;
* ``error_after_chunks`` N: send N chunks, then the format's own in-stream
  error event (its type from ``status``, default 500) and end; raw audio
  streams have no such event: they are cut off after N chunks (at 0, the
  plain error is the whole answer);
* ``malformed``: the body, or a stream's first chunk, has its JSON cut in half;
* ``chunk_delay_ms``: time between chunks for this call.

A stream shorter than N chunks ends normally. Non-streaming bodies count as
two chunks (their halves); ``error_after_chunks`` on them is a plain error.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field, fields
from typing import Any

_ACTIONS = (
    "status",
    "latency_ms",
    "hang",
    "hang_after_chunks",
    "truncate_after_chunks",
    "error_after_chunks",
    "malformed",
    "chunk_delay_ms",
)
_MATCH_KEYS = frozenset({"key", "model", "path"})


class RuleError(ValueError):
    """A rule the control API cannot accept; the message says why."""


@dataclass(slots=True)
class FaultRule:
    id: int
    key: str | None = None
    model: str | None = None
    path: str | None = None
    times: int | None = None
    status: int | None = None
    message: str | None = None
    retry_after: float | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    latency_ms: float | None = None
    hang: bool = False
    hang_after_chunks: int | None = None
    truncate_after_chunks: int | None = None
    error_after_chunks: int | None = None
    malformed: bool = False
    chunk_delay_ms: float | None = None

    def matches(self, key: str | None, model: str | None, path: str) -> bool:
        return (
            (self.key is None or self.key == key)
            and (self.model is None or self.model == model)
            and (self.path is None or self.path in path)
        )

    def describe(self) -> dict[str, Any]:
        """The rule as the control API shows it (unset fields left out)."""
        plain = asdict(self)
        match = {k: plain.pop(k) for k in ("key", "model", "path")}
        shown = {
            k: v
            for k, v in plain.items()
            if v is not None and v is not False and v != {}
        }
        return {**shown, "match": {k: v for k, v in match.items() if v is not None}}


_FIELDS = {f.name for f in fields(FaultRule)} - {"id", "key", "model", "path"}


def _number(spec: dict[str, Any], name: str, minimum: float = 0) -> None:
    value = spec.get(name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise RuleError(f"'{name}' must be a number >= {minimum}")


def parse_rule(spec: Any, rule_id: int) -> FaultRule:
    """Validates one rule from the control API's JSON."""
    if not isinstance(spec, dict):
        raise RuleError("each rule must be a JSON object")
    unknown = set(spec) - _FIELDS - {"match"}
    if unknown:
        raise RuleError(f"unknown rule fields: {sorted(unknown)}")
    match = spec.get("match") or {}
    if not isinstance(match, dict) or set(match) - _MATCH_KEYS:
        raise RuleError("'match' may only hold 'key', 'model' and 'path'")
    if any(v is not None and not isinstance(v, str) for v in match.values()):
        raise RuleError("'match' values must be strings")
    # `is`, not `in`: 0 (e.g. hang_after_chunks 0) is an action, False is not.
    if all(
        spec.get(action) is None or spec.get(action) is False for action in _ACTIONS
    ):
        raise RuleError(f"a rule needs one action of {list(_ACTIONS)}")
    for name in ("latency_ms", "chunk_delay_ms", "retry_after"):
        _number(spec, name)
    for name in (
        "hang_after_chunks",
        "truncate_after_chunks",
        "error_after_chunks",
        "times",
    ):
        _number(spec, name, 1 if name == "times" else 0)
        if spec.get(name) is not None and not isinstance(spec[name], int):
            raise RuleError(f"'{name}' must be an integer")
    for name in ("hang", "malformed"):
        if not isinstance(spec.get(name, False), bool):
            raise RuleError(f"'{name}' must be true or false")
    if not isinstance(spec.get("message", ""), str):
        raise RuleError("'message' must be a string")
    status = spec.get("status")
    if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
        raise RuleError("'status' must be an HTTP status code")
    headers = spec.get("headers") or {}
    if not isinstance(headers, dict):
        raise RuleError("'headers' must be an object of strings")
    rule = FaultRule(
        id=rule_id,
        key=match.get("key"),
        model=match.get("model"),
        path=match.get("path"),
        headers={str(k): str(v) for k, v in headers.items()},
    )
    for name, value in spec.items():
        if name not in ("match", "headers"):
            setattr(rule, name, value)
    return rule


class FaultBook:
    """The active rules, in the order they were added. Only the event loop
    touches it (the control API and the handlers), so no lock is needed."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def __bool__(self) -> bool:
        return bool(self._rules)

    def add(self, specs: list[Any]) -> list[FaultRule]:
        """Validates every rule first, so a bad one adds none."""
        rules = [parse_rule(spec, next(self._ids)) for spec in specs]
        self._rules += rules
        return rules

    def clear(self) -> None:
        self._rules.clear()

    def list(self) -> list[dict[str, Any]]:
        return [rule.describe() for rule in self._rules]

    def take(self, key: str | None, model: str | None, path: str) -> FaultRule | None:
        """The first rule matching this call, counting one use of it."""
        for rule in self._rules:
            if rule.matches(key, model, path):
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self._rules.remove(rule)
                return rule
        return None
