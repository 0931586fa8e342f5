"""Eval suites: prompts with expected answers, run through the gateway.

A run goes through the edge's public endpoint like any client, so it checks
the whole path (auth, routing, translation, provider), not just a provider.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import httpx
from pydantic import BaseModel, Field, model_validator

CASE_TIMEOUT_S = 120.0
# Cases run a few at a time: a suite should not look like a load test.
CONCURRENCY = 4
_OUTPUT_SHOWN = 500


class Expect(BaseModel):
    """Exactly one check."""

    contains: str | None = Field(None, max_length=10_000)
    equals: str | None = Field(None, max_length=10_000)
    regex: str | None = Field(None, max_length=1000)

    @model_validator(mode="after")
    def _one(self) -> Expect:
        given = [v for v in (self.contains, self.equals, self.regex) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of contains, equals, regex")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"regex does not compile: {exc}") from None
        return self

    def check(self, output: str) -> bool:
        if self.contains is not None:
            return self.contains in output
        if self.equals is not None:
            return output.strip() == self.equals.strip()
        assert self.regex is not None
        return re.search(self.regex, output) is not None


class Case(BaseModel):
    prompt: str = Field(min_length=1, max_length=100_000)
    model: str | None = Field(None, max_length=256)
    expect: Expect


def _text(body: Any) -> str:
    try:
        content = body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        return ""
    return content if isinstance(content, str) else ""


async def run_case(
    http: httpx.AsyncClient, edge_url: str, api_key: str, case: Case, model: str
) -> dict[str, Any]:
    started = time.perf_counter()
    result: dict[str, Any] = {
        "prompt": case.prompt[:200],
        "model": model,
        "passed": False,
        "status": 0,
        "latencyMs": 0.0,
        "output": "",
        "error": "",
    }
    try:
        response = await http.post(
            edge_url.rstrip("/") + "/v1/chat/completions",
            headers={"Authorization": f"Bearer {api_key}"},
            json={
                "model": model,
                "messages": [{"role": "user", "content": case.prompt}],
                "stream": False,
            },
        )
    except httpx.HTTPError as exc:
        result["error"] = f"cannot reach the gateway: {exc.__class__.__name__}: {exc}"
        result["latencyMs"] = round((time.perf_counter() - started) * 1000, 1)
        return result
    result["latencyMs"] = round((time.perf_counter() - started) * 1000, 1)
    result["status"] = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 400:
        error = body.get("error") if isinstance(body, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        result["error"] = str(message or response.text[:300])
        return result
    output = _text(body)
    result["output"] = output[:_OUTPUT_SHOWN]
    result["passed"] = case.expect.check(output)
    return result


async def run_suite(
    cases: list[Case], default_model: str, edge_url: str, api_key: str
) -> list[dict[str, Any]]:
    gate = asyncio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient(timeout=CASE_TIMEOUT_S, trust_env=False) as http:

        async def one(index: int, case: Case) -> dict[str, Any]:
            async with gate:
                model = case.model or default_model
                outcome = await run_case(http, edge_url, api_key, case, model)
                return {"index": index, **outcome}

        return list(await asyncio.gather(*(one(i, c) for i, c in enumerate(cases))))
