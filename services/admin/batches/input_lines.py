"""A batch's input file, read and checked line by line (OpenAI's rules).

Each line is ``{"custom_id", "method": "POST", "url", "body"}``; the url
must be the batch's endpoint and the custom ids unique. Any bad line fails
the whole batch at validation, with every problem listed by line number
(``errors.data``), before any request is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

# At most this many problems are reported (the rest are alike).
MAX_ERRORS = 100


@dataclass(frozen=True, slots=True)
class InputLine:
    line: int
    custom_id: str
    body: dict[str, Any]


@dataclass(slots=True)
class Checked:
    lines: list[InputLine]
    errors: list[dict[str, Any]]


def check_input(data: bytes, endpoint: str, max_lines: int) -> Checked:
    checked = Checked([], [])
    seen: set[str] = set()
    rows = [row for row in data.splitlines() if row.strip()]
    if not rows:
        _problem(checked, "empty_file", "the input file has no requests", None)
        return checked
    if len(rows) > max_lines:
        _problem(
            checked,
            "too_many_requests",
            f"the input file has {len(rows)} requests; a batch takes at most "
            f"{max_lines} (MAX_BATCH_LINES)",
            None,
        )
        return checked
    for number, row in enumerate(rows, start=1):
        line = _line(checked, number, row, endpoint, seen)
        if line is not None:
            checked.lines.append(line)
    return checked


def missing_input(file_id: str) -> Checked:
    """The input file was deleted before the batch read it."""
    checked = Checked([], [])
    _problem(checked, "file_not_found", f"the input file {file_id} was deleted", None)
    return checked


def _line(
    checked: Checked, number: int, row: bytes, endpoint: str, seen: set[str]
) -> InputLine | None:
    try:
        item = orjson.loads(row)
    except orjson.JSONDecodeError:
        return _problem(checked, "invalid_json_line", "not valid JSON", number)
    if not isinstance(item, dict):
        return _problem(checked, "invalid_json_line", "not a JSON object", number)
    custom_id = item.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id or len(custom_id) > 512:
        return _problem(
            checked,
            "missing_required_parameter",
            "custom_id: a string of 1 to 512 characters",
            number,
            "custom_id",
        )
    if custom_id in seen:
        return _problem(
            checked,
            "duplicate_custom_id",
            f"custom_id '{custom_id}' appears more than once",
            number,
            "custom_id",
        )
    seen.add(custom_id)
    if str(item.get("method", "")).upper() != "POST":
        return _problem(checked, "invalid_method", "method: must be POST", number)
    if item.get("url") != endpoint:
        return _problem(
            checked,
            "mismatched_endpoint",
            f"url: '{item.get('url')}' is not the batch's endpoint '{endpoint}'",
            number,
            "url",
        )
    body = item.get("body")
    if not isinstance(body, dict) or not isinstance(body.get("model"), str):
        return _problem(
            checked,
            "invalid_request",
            "body: an object with a 'model'",
            number,
            "body",
        )
    # Answers are collected whole: a batch line never streams.
    return InputLine(number, custom_id, {**body, "stream": False})


def _problem(
    checked: Checked,
    code: str,
    message: str,
    line: int | None,
    param: str | None = None,
) -> InputLine | None:
    """Notes a problem; None, for the line that has it."""
    if len(checked.errors) < MAX_ERRORS:
        checked.errors.append(
            {"code": code, "message": message, "param": param, "line": line}
        )
    return None
