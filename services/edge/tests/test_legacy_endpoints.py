"""Legacy text completions, image-edit forms and the quota check: their
shapes, and the clear 400s for what they cannot serve."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from omniroute.common.v1 import config_pb2
from omniroute.errors import BadRequest
from omniroute.uploads import Upload, pack, unpack
from services.edge.admission import Standing
from services.edge.image_edits import image_edit_request
from services.edge.quotas import quota_check
from services.edge.text_completion import (
    TextCompletionStream,
    request_to_hub,
    response_from_hub,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


def test_a_prompt_list_is_one_user_turn_joined_by_newlines() -> None:
    hub = request_to_hub(
        {"model": "m", "prompt": ["a", "b"], "max_tokens": 5, "logprobs": None}
    )
    assert hub["messages"] == [{"role": "user", "content": "a\nb"}]
    assert hub["max_tokens"] == 5
    assert not {"prompt", "logprobs", "echo", "suffix", "best_of"} & set(hub)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "m"}, "prompt"),
        ({"model": "m", "messages": [{"role": "user", "content": "x"}]}, "prompt"),
        ({"model": "m", "prompt": [1, 2, 3]}, "prompt"),
        ({"model": "m", "prompt": ""}, "prompt"),
        ({"model": "m", "prompt": "x", "suffix": "y"}, "suffix"),
        ({"model": "m", "prompt": "x", "echo": True}, "echo"),
        ({"model": "m", "prompt": "x", "logprobs": 2}, "logprobs"),
        ({"model": "m", "prompt": "x", "best_of": 3}, "best_of"),
        ({"model": "m", "prompt": "x", "temperature": "hot"}, "temperature"),
    ],
)
def test_what_a_chat_model_cannot_do_is_a_400_naming_the_field(
    body: dict[str, object], param: str
) -> None:
    with pytest.raises(BadRequest) as err:
        request_to_hub(body)
    assert err.value.param == param


def test_a_chat_answer_becomes_a_text_completion() -> None:
    answer = {
        "id": "chatcmpl-abc",
        "created": 7,
        "model": "demo/x",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "hi"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
    assert response_from_hub(answer, "x") == {
        "id": "cmpl-abc",
        "object": "text_completion",
        "created": 7,
        "model": "demo/x",
        "choices": [
            {"text": "hi", "index": 0, "logprobs": None, "finish_reason": "stop"}
        ],
        "usage": answer["usage"],
    }


def _chunk(delta: dict[str, str], finish: str | None = None, **extra: object) -> bytes:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return orjson.dumps(
        {"id": "chatcmpl-1", "created": 1, "model": "m", "choices": [choice], **extra}
    )


@pytest.mark.parametrize("include_usage", [False, True])
def test_a_chat_stream_becomes_text_completion_chunks(include_usage: bool) -> None:
    usage = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
    usage_chunk = orjson.dumps(
        {"id": "chatcmpl-1", "model": "m", "choices": [], "usage": usage}
    )
    stream = TextCompletionStream("m", include_usage)
    frames = (
        stream.feed(
            [
                _chunk({"role": "assistant"}),
                _chunk({"content": "Hel"}),
                _chunk({"content": "lo"}),
                _chunk({}, "stop"),
                usage_chunk,
            ]
        )
        + stream.finish()
    )
    events = [e.removeprefix(b"data: ") for e in frames.split(b"\n\n") if e]
    assert events[-1] == b"[DONE]"
    chunks = [orjson.loads(e) for e in events[:-1]]
    assert "".join(c["choices"][0]["text"] for c in chunks if c["choices"]) == "Hello"
    assert {c["object"] for c in chunks} == {"text_completion"}
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][
        -1
    ] == "stop"
    assert (chunks[-1].get("usage") == usage) is include_usage


def _upload(field: str, data: bytes = PNG, name: str = "a.png") -> Upload:
    return Upload(field, name, "application/octet-stream", data)


def test_an_edit_form_keeps_its_fields_and_types_its_images() -> None:
    fields = {"prompt": "a hat", "model": "gpt-image-1", "n": "2", "size": "1024x1024"}
    body, files = image_edit_request(
        fields, [_upload("image[]"), _upload("image[]"), _upload("mask")]
    )
    assert body == fields
    assert [(f.field, f.content_type) for f in files] == [
        ("image[]", "image/png"),
        ("image[]", "image/png"),
        ("mask", "image/png"),
    ]
    payload, manifest = pack(files)
    assert unpack(payload, manifest) == files


@pytest.mark.parametrize(
    ("fields", "uploads", "param"),
    [
        ({"prompt": "x"}, [], "image"),
        ({"prompt": "x"}, [_upload("image", b"not an image", "a.txt")], "image"),
        (
            {"prompt": "x"},
            [_upload("image"), _upload("mask", b"\xff\xd8\xff\x00")],
            "mask",
        ),
        ({"prompt": "x"}, [_upload("image"), _upload("mask"), _upload("mask")], "mask"),
        ({"prompt": "x"}, [_upload("file")], "file"),
        ({"prompt": "x"}, [_upload("image[]")] * 17, "image"),
        ({"prompt": " "}, [_upload("image")], "prompt"),
        ({"prompt": "x", "n": "11"}, [_upload("image")], "n"),
        ({"prompt": "x", "stream": "true"}, [_upload("image")], "stream"),
        (
            {"prompt": "x", "response_format": "png"},
            [_upload("image")],
            "response_format",
        ),
    ],
)
def test_a_bad_edit_form_is_a_400_naming_the_field(
    fields: dict[str, str], uploads: list[Upload], param: str
) -> None:
    with pytest.raises(BadRequest) as err:
        image_edit_request(fields, uploads)
    assert err.value.param == param


def _standing(**fields: object) -> Standing:
    base: dict[str, object] = {
        "rpm_limit": 0,
        "rpm_used": 0,
        "tpm_limit": 0,
        "tpm_used": 0,
        "window_ends": 120,
        "budget": None,
        "spent_usd": 0.0,
        "budget_ends": datetime(2030, 1, 1, tzinfo=UTC),
    }
    return Standing(**{**base, **fields})  # type: ignore[arg-type]


NOW = datetime(2029, 12, 31, 12, tzinfo=UTC)


def test_a_key_without_limits_is_allowed_in_the_originals_fields() -> None:
    body = quota_check(_standing(), "", "", NOW)
    assert body == {
        "allowed": True,
        "provider": None,
        "accountId": None,
        "checkedAt": "2029-12-31T12:00:00.000Z",
        "limits": {"requestsPerMinute": None, "tokensPerMinute": None, "budget": None},
    }


@pytest.mark.parametrize(
    ("standing", "code"),
    [
        (_standing(rpm_limit=3, rpm_used=3), "RATE_LIMIT_EXCEEDED"),
        (_standing(tpm_limit=10, tpm_used=12), "TOKEN_LIMIT_EXCEEDED"),
        (
            _standing(
                budget=config_pb2.Budget(limit_usd=1.0, period="daily"), spent_usd=1.0
            ),
            "BUDGET_EXCEEDED",
        ),
    ],
)
def test_a_key_at_a_limit_is_refused_with_which(standing: Standing, code: str) -> None:
    body = quota_check(standing, "openai", "acc-1", NOW)
    assert body["allowed"] is False and body["errorCode"] == code and body["reason"]
    assert (body["provider"], body["accountId"]) == ("openai", "acc-1")


def test_limits_say_what_is_left() -> None:
    budget = config_pb2.Budget(limit_usd=2.0, period="weekly")
    body = quota_check(
        _standing(rpm_limit=5, rpm_used=2, budget=budget, spent_usd=0.5), "", "", NOW
    )
    assert body["allowed"] is True
    assert body["limits"]["requestsPerMinute"] == {
        "limit": 5,
        "used": 2,
        "remaining": 3,
        "resetsAt": "1970-01-01T00:02:00.000Z",
    }
    assert body["limits"]["budget"]["remainingUsd"] == 1.5
    assert body["limits"]["budget"]["period"] == "weekly"
