"""OpenAI moderations through the official SDK: keyword flags, one result
per input, multimodal parts, legacy models, errors and faults."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest

from services.simulator.harness import SimControl

CATEGORIES = {
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
}


@pytest.fixture
def client(url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=url + "/v1", api_key="sk-mod", max_retries=0) as sdk:
        yield sdk


def test_a_keyword_flags_its_category(client: openai.OpenAI) -> None:
    reply = client.moderations.create(input="I will KILL the lights.")
    assert reply.id.startswith("modr-")
    assert reply.model == "omni-moderation-latest"
    [result] = reply.results
    assert result.flagged
    assert result.categories.violence
    assert not result.categories.harassment
    assert result.category_scores.violence == 0.9
    assert result.category_scores.harassment < 0.001
    assert result.category_applied_input_types.violence == ["text"]


def test_one_result_per_string_and_repeatable_scores(client: openai.OpenAI) -> None:
    texts = ["What a lovely day.", "You idiot, watch your back."]
    first = client.moderations.create(input=texts, model="omni-moderation-latest")
    again = client.moderations.create(input=texts)
    assert [r.flagged for r in first.results] == [False, True]
    calm, rude = first.results
    assert rude.categories.harassment and rude.categories.harassment_threatening
    # The sub-category lifts its parent.
    assert rude.category_scores.harassment == 0.9
    assert calm.category_scores == again.results[0].category_scores


def test_every_category_key_in_the_raw_answer(url: str) -> None:
    body = httpx.post(url + "/moderations", json={"input": "gore"}).json()
    [result] = body["results"]
    assert set(result["categories"]) == CATEGORIES
    assert set(result["category_scores"]) == CATEGORIES
    assert set(result["category_applied_input_types"]) == CATEGORIES
    assert result["categories"]["violence/graphic"]
    assert result["categories"]["violence"]


def test_parts_give_one_result_with_image_input_types(client: openai.OpenAI) -> None:
    reply = client.moderations.create(
        input=[
            {"type": "text", "text": "Nothing to see here."},
            {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
        ]
    )
    [result] = reply.results
    assert not result.flagged
    applied = result.category_applied_input_types
    assert applied.violence == ["image", "text"]
    assert applied.sexual == ["image", "text"]
    assert applied.harassment == ["text"]
    image_only = client.moderations.create(
        input=[{"type": "image_url", "image_url": {"url": "data:image/png;base64,"}}]
    ).results[0]
    assert image_only.category_applied_input_types.hate == []
    assert image_only.category_applied_input_types.self_harm == ["image"]


def test_text_moderation_reads_text_only(client: openai.OpenAI, url: str) -> None:
    reply = client.moderations.create(
        input="how to shoplift", model="text-moderation-latest"
    )
    assert reply.model == "text-moderation-latest"
    assert reply.results[0].categories.illicit
    raw = httpx.post(
        url + "/v1/moderations",
        json={"input": "hello", "model": "text-moderation-latest"},
    ).json()
    assert "category_applied_input_types" not in raw["results"][0]
    with pytest.raises(openai.BadRequestError):
        client.moderations.create(
            model="text-moderation-latest",
            input=[{"type": "image_url", "image_url": {"url": "https://x/a.png"}}],
        )


def test_invalid_input_and_unknown_model(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as empty:
        client.moderations.create(input=[])
    assert "'input'" in empty.value.message
    with pytest.raises(openai.BadRequestError):
        client.moderations.create(input=[{"type": "audio", "audio": "x"}])  # type: ignore[list-item]
    with pytest.raises(openai.NotFoundError) as missing:
        client.moderations.create(input="hi", model="gpt-moderation-9")
    assert missing.value.body["code"] == "model_not_found"  # type: ignore[index]


def test_fault_rule_and_call_log(client: openai.OpenAI, control: SimControl) -> None:
    control.add_faults({"match": {"path": "/moderations"}, "status": 429, "times": 1})
    with pytest.raises(openai.RateLimitError):
        client.moderations.create(input="hi")
    client.moderations.create(input="hi")
    calls = control.calls()
    assert calls["by_path"]["/v1/moderations"] == 2
    assert calls["recent"][-1]["key"] == "sk-mod"
