"""Shape checks for client request bodies.

Each check raises ``BadRequest`` whose message starts with the dotted path of
the offending field (``messages.0.content: ...``), so a client sees exactly
what to fix; ``param`` carries the same path.
"""

from __future__ import annotations

from typing import Any

from omniroute.errors import BadRequest


def fail(path: str, problem: str) -> BadRequest:
    """The error for one bad field."""
    return BadRequest(f"{path}: {problem}", param=path)


def expect_object(value: Any, path: str) -> dict[str, Any]:
    """``value`` must be a JSON object."""
    if not isinstance(value, dict):
        raise fail(path, "expected an object")
    return value


def expect_list(value: Any, path: str, *, non_empty: bool = False) -> list[Any]:
    """``value`` must be a JSON array (with at least one item if asked)."""
    if not isinstance(value, list):
        raise fail(path, "expected an array")
    if non_empty and not value:
        raise fail(path, "at least one item is required")
    return value


def expect_str(value: Any, path: str) -> str:
    """``value`` must be a string."""
    if not isinstance(value, str):
        raise fail(path, "expected a string")
    return value


def require_model(body: dict[str, Any]) -> str:
    """The request's ``model``: a non-empty string."""
    model = body.get("model")
    if model is None:
        raise fail("model", "is required")
    if not isinstance(model, str) or not model.strip():
        raise fail("model", "expected a non-empty string")
    return model


def optional_str(value: Any, path: str) -> str | None:
    """A string or nothing."""
    return None if value is None else expect_str(value, path)


def optional_number(value: Any, path: str) -> float | int | None:
    """A number or nothing (booleans are not numbers here)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(path, "expected a number")
    return value


def optional_int(value: Any, path: str, *, minimum: int | None = None) -> int | None:
    """An integer (at least ``minimum``) or nothing."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(path, "expected an integer")
    if minimum is not None and value < minimum:
        raise fail(path, f"must be at least {minimum}")
    return value


def optional_bool(value: Any, path: str) -> bool | None:
    """A boolean or nothing."""
    if value is None:
        return None
    if not isinstance(value, bool):
        raise fail(path, "expected a boolean")
    return value


def stop_list(value: Any, path: str) -> list[str] | None:
    """Stop sequences given as one string or a list of strings."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    items = expect_list(value, path)
    return [expect_str(item, f"{path}.{i}") for i, item in enumerate(items)]


def set_if(target: dict[str, Any], key: str, value: Any) -> None:
    """Sets ``target[key]`` only when ``value`` is not None."""
    if value is not None:
        target[key] = value
