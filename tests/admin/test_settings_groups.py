"""The settings-group registry: complete, and every group survives a backup.

A group added to ``gateway_config`` or to the snapshot's proto but not to
``services.admin.settings_groups.GROUPS`` fails here; so does a group whose
values an export and import lose, or that the snapshot stops carrying.
``fixtures/settings_backup.sqlite`` was exported by admin at a39655a, before
the registry, with every group changed from its defaults;
``fixtures/settings_backup.json`` is what that admin answered and published.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from pydantic import TypeAdapter
from sqlalchemy import delete

from omniroute.common.v1 import config_pb2
from omniroute.runtime.crypto import unseal_text
from services.admin import gateway_config as gc
from services.admin.db.models import Setting
from services.admin.routes import settings as settings_routes
from services.admin.settings_groups import GROUPS, SettingsGroup
from tests.admin.conftest import AdminHarness

FIXTURES = Path(__file__).parent / "fixtures"

# A value other than the default for every group, as its API body. A group
# added to the registry needs one here (test_every_group_has_a_sample).
SAMPLES: dict[str, Any] = {
    "require_login": False,
    "ip_filter": {
        "enabled": True,
        "mode": "whitelist",
        "whitelist": ["10.0.0.0/8", "192.168.1.7"],
        "blacklist": ["203.0.113.5"],
    },
    "system_prompt": {"enabled": True, "prefix": "Be brief.", "suffix": "Thanks."},
    "thinking_budget": {"mode": "custom", "custom_budget": 2048},
    "cache": {
        "exact_enabled": False,
        "semantic_enabled": True,
        "similarity_threshold": 0.8,
        "ttl_seconds": 60,
        "cache_sampled": True,
    },
    "routing": {
        "account_strategy": "round-robin",
        "provider_account_strategies": {"openai": "least-used"},
        "session_ttl_seconds": 120,
        "global_fallback_model": "openai/gpt-4o-mini",
        "max_combo_depth": 5,
    },
    "resilience": {
        "provider_breaker": {
            "failure_threshold": 7,
            "window_seconds": 30.0,
            "reset_timeout_seconds": 45.0,
        },
        "cooldown_base_seconds": 2.5,
        "cooldown_max_seconds": 600.0,
        "max_dispatch_backlog": 5000,
    },
    "proxy": {"url": "http://user:s3cret@127.0.0.1:3128", "enabled": True},
}
SECRET = b"0" * 32


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def _field(snapshot: Message, path: str) -> Any:
    value: Any = snapshot
    for name in path.split("."):
        value = getattr(value, name)
    return value


def _settings_fields() -> set[str]:
    """Where settings groups go in ``ConfigSnapshot``, read from the proto:
    its single message fields (routing, resilience) and every field of
    ``GatewaySettings``."""
    snapshot = config_pb2.ConfigSnapshot.DESCRIPTOR
    gateway = config_pb2.GatewaySettings.DESCRIPTOR
    singular = {
        f.name
        for f in snapshot.fields
        if f.type == FieldDescriptor.TYPE_MESSAGE and not f.is_repeated
    }
    nested = {f.name for f in snapshot.fields if f.message_type is gateway}
    return (singular - nested) | {
        f"{name}.{g.name}" for name in nested for g in gateway.fields
    }


def _sample(group: SettingsGroup[Any, Any, Any]) -> Any:
    body = TypeAdapter(group.body).validate_python(SAMPLES[group.field])
    return group.take(body, group.schema(), SECRET)


def test_every_group_class_is_registered() -> None:
    registered = [g.schema for g in GROUPS]
    assert len(set(registered)) == len(registered), "a group is listed twice"
    assert set(registered) == _subclasses(gc.Group)
    fields = [g.field for g in GROUPS]
    assert len(set(fields)) == len(fields)


def test_every_settings_field_of_the_snapshot_has_a_group() -> None:
    published = [g.snapshot_field for g in GROUPS if g.proto is not None]
    assert len(set(published)) == len(published)
    assert set(published) == _settings_fields()
    assert all(not g.snapshot_field for g in GROUPS if g.proto is None)


def test_every_group_has_a_sample() -> None:
    assert set(SAMPLES) == {g.field for g in GROUPS}


def test_samples_differ_from_the_defaults_where_it_shows() -> None:
    for group in GROUPS:
        sample, default = _sample(group), group.schema()
        assert group.export(sample, SECRET) != group.export(default, SECRET), group
        if group.proto is not None:
            assert group.proto(sample, SECRET) != group.proto(default, SECRET), group


def test_publish_writes_the_group_where_it_says_and_nowhere_else() -> None:
    for group in GROUPS:
        if group.proto is None:
            continue
        snapshot = config_pb2.ConfigSnapshot()
        sample = _sample(group)  # once: taking a secret seals it afresh
        group.publish(sample, snapshot, SECRET)
        path = group.snapshot_field
        assert _field(snapshot, path) == group.proto(sample, SECRET)
        top, *rest = path.split(".")
        assert [f.name for f, _ in snapshot.ListFields()] == [top]
        if rest:
            set_fields = getattr(snapshot, top).ListFields()
            assert [f.name for f, _ in set_fields] == rest


def test_the_settings_bodies_are_the_registry() -> None:
    in_settings = [g.field for g in GROUPS if g.in_settings]
    assert list(settings_routes.SettingsView.model_fields) == in_settings
    assert list(settings_routes.SettingsIn.model_fields) == in_settings
    paths = {getattr(r, "path", "") for r in settings_routes.router.routes}
    for group in GROUPS:
        if group.routes is not None:
            assert f"/api/settings{group.routes.path}" in paths


async def _export_json(admin: AdminHarness) -> Any:
    response = await admin.client.get("/api/db-backups/exportAll")
    assert response.status_code == 200, response.text
    with tarfile.open(fileobj=io.BytesIO(response.content), mode="r:gz") as tar:
        member = tar.extractfile("settings.json")
        assert member is not None
        return json.loads(member.read())


async def _import(admin: AdminHarness, content: bytes) -> None:
    imported = await admin.client.post(
        "/api/db-backups/import",
        files={"file": ("backup.sqlite", content, "application/octet-stream")},
    )
    assert imported.status_code == 200, imported.text


async def test_every_group_round_trips_through_export_and_import(
    admin: AdminHarness,
) -> None:
    secret = admin.settings.secret
    async with admin.ctx.sessions() as session, session.begin():
        for group in GROUPS:
            body = TypeAdapter(group.body).validate_python(SAMPLES[group.field])
            await gc.save(session, group.take(body, group.schema(), secret))
    await admin.ctx.publisher.publish()
    published = await admin.snapshot()
    exported_json = await _export_json(admin)
    shown = (await admin.client.get("/api/settings")).json()
    exported = await admin.client.get("/api/db-backups/export")
    assert exported.status_code == 200

    async with admin.ctx.sessions() as session, session.begin():
        await session.execute(delete(Setting))
    await admin.ctx.publisher.publish()
    defaults = await admin.snapshot()
    for group in GROUPS:
        if group.proto is not None:
            assert _field(defaults, group.snapshot_field) != _field(
                published, group.snapshot_field
            ), group.field

    await _import(admin, exported.content)
    restored = await admin.snapshot()
    for group in GROUPS:
        if group.proto is not None:
            path = group.snapshot_field
            assert _field(restored, path) == _field(published, path), group.field
    assert await _export_json(admin) == exported_json
    assert set(exported_json) == {g.field for g in GROUPS}
    assert (await admin.client.get("/api/settings")).json() == shown


async def test_a_backup_from_before_the_registry_imports(admin: AdminHarness) -> None:
    expected = json.loads((FIXTURES / "settings_backup.json").read_text())
    await _import(admin, (FIXTURES / "settings_backup.sqlite").read_bytes())
    snapshot = await admin.snapshot()
    # The proxy is published sealed; the fixture holds what it unseals to.
    sealed = snapshot.settings.upstream_proxy
    snapshot.settings.upstream_proxy = unseal_text(admin.settings.secret, sealed)
    for name in ("settings", "routing", "resilience"):
        assert (
            json_format.MessageToDict(
                getattr(snapshot, name), preserving_proto_field_name=True
            )
            == expected[name]
        ), name
    shown = (await admin.client.get("/api/settings")).json()
    # The groups as stored then; the original OmniRoute's flat twins beside.
    assert {k: shown[k] for k in expected["api_settings"]} == expected["api_settings"]
    assert (await admin.client.get("/api/routing")).json() == expected["api_routing"]
    resilience = (await admin.client.get("/api/resilience")).json()["profile"]
    assert resilience == expected["api_resilience"]
    assert await _export_json(admin) == expected["export_settings_json"]
