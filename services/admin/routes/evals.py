"""``/api/evals``: define suites of prompts with checks; run them through the
gateway's own public endpoint (``EDGE_URL``)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field, SecretStr, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from omniroute.errors import BadRequest, NotFound
from services.admin.audit import change, record
from services.admin.auth import Admin, presented_key
from services.admin.context import AdminContext, Ctx
from services.admin.db.models import EvalRun, EvalSuite
from services.admin.evals import Case, run_suite
from services.admin.logins import aware, now
from services.admin.schemas import CamelModel

router = APIRouter(prefix="/api/evals", tags=["operations"])
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class SuiteIn(CamelModel):
    name: str
    description: str = Field("", max_length=2000)
    model: str = Field("", max_length=256, description="Default model of the cases")
    cases: list[Case] = Field(min_length=1, max_length=200)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("use 1-128 letters, digits, '.', '_' or '-'")
        return value


class RunSummary(CamelModel):
    id: int
    started_at: datetime
    passed: int
    total: int


class SuiteOut(CamelModel):
    name: str
    description: str
    model: str
    cases: list[Case]
    last_run: RunSummary | None = None


class RunIn(CamelModel):
    api_key: SecretStr | None = Field(
        None,
        description="Client key to call the gateway with; default the "
        "caller's own key, else the first OMNIROUTE_ADMIN_API_KEYS entry",
    )
    model: str | None = Field(None, max_length=256, description="Overrides every case")


class RunOut(CamelModel):
    suite: str
    run_id: int
    passed: int
    total: int
    results: list[dict[str, Any]]


async def _suite(session: AsyncSession, name: str) -> EvalSuite:
    suite = await session.get(EvalSuite, name)
    if suite is None:
        raise NotFound(f"no eval suite '{name}'", code="not_found")
    return suite


async def _out(session: AsyncSession, suite: EvalSuite) -> SuiteOut:
    run = await session.scalar(
        select(EvalRun)
        .where(EvalRun.suite_name == suite.name)
        .order_by(EvalRun.id.desc())
        .limit(1)
    )
    return SuiteOut(
        name=suite.name,
        description=suite.description,
        model=suite.default_model,
        cases=[Case.model_validate(c) for c in suite.cases],
        last_run=RunSummary(
            id=run.id,
            started_at=aware(run.started_at),
            passed=run.passed,
            total=run.total,
        )
        if run
        else None,
    )


class SuiteList(BaseModel):
    suites: list[SuiteOut]


@router.get("")
async def list_suites(ctx: Ctx, _: Admin) -> SuiteList:
    """Every suite with its last run, as ``{"suites": [...]}``."""
    async with ctx.sessions() as session:
        suites = (
            await session.scalars(select(EvalSuite).order_by(EvalSuite.name))
        ).all()
        return SuiteList(suites=[await _out(session, s) for s in suites])


@router.post("", status_code=201)
async def save_suite(ctx: Ctx, body: SuiteIn, actor: Admin) -> SuiteOut:
    """Creates a suite, or replaces the one with this name."""
    if not body.model and any(not c.model for c in body.cases):
        raise BadRequest(
            "model: give a default model or a model on every case", param="model"
        )
    details = {"cases": len(body.cases), "model": body.model}
    async with change(ctx, actor, "eval.save", body.name, details, publish=False) as c:
        suite = await c.session.get(EvalSuite, body.name)
        if suite is None:
            suite = EvalSuite(name=body.name)
            c.session.add(suite)
        suite.description = body.description
        suite.default_model = body.model
        suite.cases = [case.model_dump(exclude_none=True) for case in body.cases]
        await c.session.flush()
        result = await _out(c.session, suite)
    return result


@router.get("/{suite}")
async def get_suite(ctx: Ctx, suite: str, _: Admin) -> SuiteOut:
    """One suite (404 if unknown)."""
    async with ctx.sessions() as session:
        return await _out(session, await _suite(session, suite))


@router.delete("/{suite}", status_code=204)
async def delete_suite(ctx: Ctx, suite: str, actor: Admin) -> Response:
    """Deletes a suite and its runs."""
    async with change(ctx, actor, "eval.delete", suite, publish=False) as c:
        await c.session.delete(await _suite(c.session, suite))
    return Response(status_code=204)


def _api_key(ctx: AdminContext, request: Request, body: RunIn) -> str:
    if body.api_key is not None:
        return body.api_key.get_secret_value()
    own = presented_key(request)
    if own:
        return own
    configured = [
        k.strip() for k in ctx.settings.admin_api_keys.split(",") if k.strip()
    ]
    if configured:
        return configured[0]
    raise BadRequest(
        "apiKey: give a client API key to run the suite with", param="apiKey"
    )


@router.post("/{suite}/run")
async def run(
    ctx: Ctx, request: Request, suite: str, actor: Admin, body: RunIn | None = None
) -> RunOut:
    """Runs every case through the gateway (``EDGE_URL``) and reports each
    case's pass/fail, status, latency and (truncated) output."""
    body = body or RunIn()
    async with ctx.sessions() as session:
        stored = await _suite(session, suite)
        cases = [Case.model_validate(c) for c in stored.cases]
        default_model = body.model or stored.default_model
    if body.model:
        cases = [c.model_copy(update={"model": body.model}) for c in cases]
    started = now()
    results = await run_suite(
        cases, default_model, ctx.settings.edge_url, _api_key(ctx, request, body)
    )
    passed = sum(1 for r in results if r["passed"])
    async with ctx.sessions() as session, session.begin():
        row = EvalRun(
            suite_name=suite,
            started_at=started,
            passed=passed,
            total=len(results),
            results=results,
        )
        session.add(row)
        await session.flush()
        run_id = row.id
    await record(
        ctx, actor, "eval.run", suite, {"passed": passed, "total": len(results)}
    )
    return RunOut(
        suite=suite, run_id=run_id, passed=passed, total=len(results), results=results
    )
