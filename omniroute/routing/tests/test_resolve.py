import pytest

from omniroute.common.v1 import common_pb2, config_pb2
from omniroute.errors import BadRequest, NotFound
from omniroute.router.v1 import router_pb2
from omniroute.routing.resolve import resolve
from omniroute.routing.table import build_table


def _provider(pid: str, models: list[str], **kwargs: object) -> config_pb2.Provider:
    return config_pb2.Provider(
        id=pid,
        kind="openai-compatible",
        format=common_pb2.API_FORMAT_OPENAI_CHAT,
        enabled=True,
        models=models,
        accounts=[config_pb2.Account(id=f"{pid}-1", enabled=True)],
        **kwargs,
    )


@pytest.fixture
def table():
    snapshot = config_pb2.ConfigSnapshot(
        version=7,
        providers=[
            _provider("openai", ["gpt-4o", "shared"], aliases=["oai"]),
            _provider("groq", ["llama-3", "shared"]),
            _provider("openrouter", ["anthropic/claude-x"]),
            config_pb2.Provider(id="off", enabled=False, models=["ghost"]),
        ],
        aliases=[config_pb2.ModelAlias(alias="fast", target="groq/llama-3")],
    )
    return build_table(snapshot, version=3)


def test_bare_model_served_by_one_provider(table) -> None:
    route = resolve(table, "gpt-4o")
    assert [(t.provider_id, t.model) for t in route.targets] == [("openai", "gpt-4o")]


def test_prefixed_model_passes_the_rest_through(table) -> None:
    route = resolve(table, "openai/gpt-4o-2024-11-20")
    assert route.targets[0].provider_id == "openai"
    assert route.targets[0].model == "gpt-4o-2024-11-20"
    assert resolve(table, "oai/o3").targets[0].provider_id == "openai"


def test_full_model_id_with_a_slash_is_exact(table) -> None:
    route = resolve(table, "anthropic/claude-x")
    assert route.targets[0].provider_id == "openrouter"
    assert route.targets[0].model == "anthropic/claude-x"


def test_ambiguous_model_names_the_candidates(table) -> None:
    with pytest.raises(BadRequest) as err:
        resolve(table, "shared")
    assert "openai/shared" in err.value.message
    assert "groq/shared" in err.value.message


def test_unknown_and_disabled_models_are_404(table) -> None:
    for name in ("nope", "ghost", "off/ghost", "unknown/x"):
        with pytest.raises(NotFound):
            resolve(table, name)


def test_alias_expands_to_its_target(table) -> None:
    route = resolve(table, "fast")
    assert (route.targets[0].provider_id, route.targets[0].model) == ("groq", "llama-3")
    assert "fast" in [m.id for m in table.models]


@pytest.mark.parametrize("bad", ["", "a/../b", "x\ny"])
def test_malformed_model_strings_are_400(table, bad: str) -> None:
    with pytest.raises(BadRequest):
        resolve(table, bad)


def test_models_listing(table) -> None:
    ids = {m.id for m in table.models}
    assert {"openai/gpt-4o", "groq/llama-3", "groq/shared"} <= ids
    assert not any(i.startswith("off/") for i in ids)
    assert table.version == 3 and table.config_version == 7


@pytest.fixture
def wrapped_table():
    """Providers and a combo to address through the original's wrappers."""
    snapshot = config_pb2.ConfigSnapshot(
        providers=[
            _provider("kimi", ["kimi-k2"]),
            _provider("claude", ["claude-opus-4-6", "kimi/odd"], aliases=["cc"]),
        ],
        combos=[
            config_pb2.Combo(
                name="smart",
                enabled=True,
                members=[config_pb2.ComboMember(model="kimi/kimi-k2", weight=1)],
            )
        ],
    )
    return build_table(snapshot, version=1)


@pytest.mark.parametrize(
    ("model", "name", "target"),
    [
        ("combo/smart", "smart", None),
        ("claude/combo/smart", "smart", None),
        ("claude/kimi/kimi-k2", "kimi/kimi-k2", ("kimi", "kimi-k2")),
        # A genuine model of the provider called claude stays its own.
        (
            "claude/claude-opus-4-6",
            "claude/claude-opus-4-6",
            ("claude", "claude-opus-4-6"),
        ),
        ("claude/kimi/odd", "claude/kimi/odd", ("claude", "kimi/odd")),
        # An unknown inner provider or combo: the claude provider's model.
        ("claude/nobody/x", "claude/nobody/x", ("claude", "nobody/x")),
        ("claude/combo/none", "claude/combo/none", ("claude", "combo/none")),
    ],
)
def test_the_originals_combo_and_claude_code_wrappers(
    wrapped_table, model: str, name: str, target: tuple[str, str] | None
) -> None:
    route = resolve(wrapped_table, model)
    assert route.name == name
    if target is None:
        assert route.kind == router_pb2.ROUTE_KIND_COMBO
    else:
        assert (route.targets[0].provider_id, route.targets[0].model) == target


def test_wrappers_of_nothing_are_404(table) -> None:
    """Without a provider called claude, an unwrappable id is unknown."""
    for name in ("combo/nope", "combo/gpt-4o", "claude/nobody/x", "claude/combo/x"):
        with pytest.raises(NotFound):
            resolve(table, name)
