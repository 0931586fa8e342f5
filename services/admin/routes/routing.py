"""``/api/routing``: account strategy, session affinity, fallback, nesting."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from omniroute.errors import BadRequest
from services.admin import combo_rules
from services.admin import gateway_config as gc
from services.admin.audit import change
from services.admin.auth import Admin
from services.admin.context import Ctx
from services.admin.db.models import Combo

router = APIRouter(prefix="/api/routing", tags=["routing"])


@router.get("")
async def get_routing(ctx: Ctx, _: Admin) -> gc.RoutingConfig:
    """The routing settings (defaults until changed)."""
    async with ctx.sessions() as session:
        return await gc.load(session, gc.RoutingConfig)


@router.put("")
async def put_routing(
    ctx: Ctx, body: gc.RoutingConfig, actor: Admin
) -> gc.RoutingConfig:
    """Replaces the routing settings. Lowering ``max_combo_depth`` below the
    depth of an existing combo is refused (it would silently disappear)."""
    if any(c.isspace() for c in body.global_fallback_model):
        raise BadRequest(
            "global_fallback_model: a model name has no spaces",
            param="global_fallback_model",
        )
    async with change(
        ctx, actor, "routing.update", "routing", body.model_dump(mode="json")
    ) as c:
        rows = (await c.session.scalars(select(Combo))).all()
        combos = {r.name: combo_rules.as_proto(r.name, r.members) for r in rows}
        try:
            combo_rules.check_graph(combos, sorted(combos), body.max_combo_depth)
        except BadRequest as exc:
            raise BadRequest(
                f"max_combo_depth: too low for the existing combos ({exc.message})",
                param="max_combo_depth",
            ) from None
        await gc.save(c.session, body)
    return body
