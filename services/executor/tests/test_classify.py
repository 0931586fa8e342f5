import pytest

from services.executor.classify import FailureKind, classify_status, parse_retry_after


@pytest.mark.parametrize(
    ("status", "message", "kind"),
    [
        (429, "slow down", FailureKind.RATE_LIMIT),
        (400, "Rate limit reached for requests", FailureKind.RATE_LIMIT),
        (429, "You exceeded your current quota", FailureKind.QUOTA),
        (402, "payment required", FailureKind.QUOTA),
        (401, "invalid api key", FailureKind.AUTH),
        (403, "forbidden", FailureKind.AUTH),
        (404, "model not found", FailureKind.MODEL_NOT_FOUND),
        (500, "boom", FailureKind.SERVER),
        (503, "overloaded", FailureKind.SERVER),
        (408, "timeout", FailureKind.SERVER),
        (
            400,
            "This model's maximum context length is 8192 tokens",
            FailureKind.PROVIDER_SCOPED,
        ),
        (400, "Unsupported parameter: 'temperature'", FailureKind.PROVIDER_SCOPED),
        (400, "messages: field required", FailureKind.CLIENT),
        (422, "invalid type for messages", FailureKind.CLIENT),
    ],
)
def test_classification(status: int, message: str, kind: FailureKind) -> None:
    failure = classify_status(status, message)
    assert failure.kind is kind
    assert failure.try_next_target is (kind is not FailureKind.CLIENT)


def test_retry_after_forms() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after({"Retry-After": "2"}, now) == 2.0
    assert parse_retry_after(
        {"retry-after": "Tue, 14 Nov 2023 22:13:30 GMT"}, now
    ) == pytest.approx(10.0)
    assert parse_retry_after({"x-ratelimit-reset": "7"}, now) == 7.0
    assert parse_retry_after({"x-ratelimit-reset": str(now + 5)}, now) == pytest.approx(
        5.0
    )
    assert parse_retry_after(
        {"x-ratelimit-reset": str((now + 3) * 1000)}, now
    ) == pytest.approx(3.0)
    assert parse_retry_after({}, now) is None
    assert parse_retry_after({"Retry-After": "garbage"}, now) is None
