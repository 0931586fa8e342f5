"""Key parsers are the inverse of the key builders."""

from __future__ import annotations

import pytest

from omniroute.runtime.redis_keys import AccountKey, RedisKeys

KEYS = RedisKeys("test:")


def test_executor_heartbeat_keys_name_their_executor() -> None:
    key = KEYS.executor_heartbeat("host-12-ab:cd")
    assert KEYS.executor_of(key) == "host-12-ab:cd"
    assert KEYS.executor_of("test:executor:heartbeat") is None
    assert KEYS.executor_of(KEYS.session("s")) is None


def test_breaker_keys_name_a_provider_or_one_of_its_accounts() -> None:
    assert KEYS.breaker_of(KEYS.provider_breaker("openai")) == AccountKey("openai")
    assert KEYS.breaker_of(KEYS.account_breaker("openai", "team:1")) == AccountKey(
        "openai", "team:1"
    )
    assert KEYS.breaker_of(KEYS.cooldown("openai", "a")) is None


def test_cooldown_and_level_keys_are_told_apart() -> None:
    cooldown, level = KEYS.cooldown("groq", "a:1"), KEYS.cooldown_level("groq", "a:1")
    assert KEYS.cooldown_of(cooldown) == AccountKey("groq", "a:1")
    assert KEYS.cooldown_level_of(level) == AccountKey("groq", "a:1")
    assert KEYS.cooldown_of(level) is None
    assert KEYS.cooldown_level_of(cooldown) is None


def test_invalid_marks_name_provider_account_and_fingerprint() -> None:
    key = KEYS.invalid_account("anthropic", "acct:2", "f00d")
    assert KEYS.invalid_of(key) == AccountKey("anthropic", "acct:2", "f00d")
    assert KEYS.invalid_of(KEYS.provider_breaker("anthropic")) is None


@pytest.mark.parametrize("session", ["abc", "with:colons", ""])
def test_session_keys_name_their_session(session: str) -> None:
    assert KEYS.session_of(KEYS.session(session)) == session


def test_another_prefix_is_another_deployment() -> None:
    other = RedisKeys("other:")
    assert KEYS.breaker_of(other.provider_breaker("openai")) is None
    assert KEYS.session_of(other.session("s")) is None
