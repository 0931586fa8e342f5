"""Shared by the Python client scripts, which run in the clients' own venv
(tests/clients/.venv): the gateway's address and key come from the
environment the pytest side sets; each script prints one JSON line."""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

BASE_URL = os.environ.get("OMNIROUTE_URL", "")
API_KEY = os.environ.get("OMNIROUTE_KEY", "")

Scenario = Callable[[], Any]


def run(scenarios: dict[str, Scenario]) -> None:
    """Runs the scenario named by ``argv[1]``; prints ``{"ok", "result"}``, or
    ``{"ok": false, "error"}`` with the client's own error text."""
    name = sys.argv[1]
    if name not in scenarios:
        raise SystemExit(f"unknown scenario {name}; known: {sorted(scenarios)}")
    try:
        outcome = {"ok": True, "result": scenarios[name]()}
    except Exception as exc:  # what the user would see, whatever the client
        outcome = {
            "ok": False,
            "error": f"{type(exc).__name__}: {exc}",
            "trace": traceback.format_exc()[-3000:],
        }
    sys.stdout.write(json.dumps(outcome, default=str) + "\n")
