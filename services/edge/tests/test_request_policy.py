from omniroute.common.v1 import config_pb2
from services.edge.request_policy import apply_policies


def _settings(**kwargs: object) -> config_pb2.GatewaySettings:
    return config_pb2.GatewaySettings(**kwargs)  # type: ignore[arg-type]


def test_system_prompt_wraps_the_clients_own() -> None:
    hub = {
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "hi"},
        ]
    }
    settings = _settings(
        system_prompt=config_pb2.SystemPrompt(
            enabled=True, prefix="Company rules.", suffix="Sign off."
        )
    )
    assert apply_policies(hub, settings)
    assert hub["messages"][0]["content"] == "Company rules.\n\nbe brief\n\nSign off."


def test_system_prompt_added_when_the_client_has_none() -> None:
    hub = {"messages": [{"role": "user", "content": "hi"}]}
    apply_policies(
        hub, _settings(system_prompt=config_pb2.SystemPrompt(enabled=True, prefix="P"))
    )
    assert hub["messages"][0] == {"role": "system", "content": "P"}


def test_disabled_settings_change_nothing() -> None:
    hub = {"messages": [{"role": "user", "content": "hi"}], "reasoning_effort": "high"}
    assert not apply_policies(hub, _settings())
    assert hub == {
        "messages": [{"role": "user", "content": "hi"}],
        "reasoning_effort": "high",
    }


def test_thinking_budget_custom_and_off() -> None:
    custom = _settings(
        thinking_budget=config_pb2.ThinkingBudget(mode="custom", custom_budget=2048)
    )
    asking = {"messages": [], "reasoning_effort": "high"}
    assert apply_policies(asking, custom)
    assert asking == {"messages": [], "thinking_budget": 2048}
    quiet = {"messages": []}
    assert not apply_policies(quiet, custom)
    off = {"messages": [], "reasoning_effort": "low"}
    assert apply_policies(
        off, _settings(thinking_budget=config_pb2.ThinkingBudget(mode="off"))
    )
    assert off == {"messages": [], "thinking_budget": 0}
