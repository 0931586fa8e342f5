"""Issue 16: a batch run by the gateway survives the death of an executor, of
the admin running it and of the edge its lines go through: no line lost,
none answered twice."""

from __future__ import annotations

import signal
from collections import Counter

import openai
import orjson
import pytest

from tests.conftest import start_stack
from tests.helpers import Simulator, poll_until

pytestmark = pytest.mark.e2e

LINES = 200


def _lines() -> bytes:
    return b"".join(
        orjson.dumps(
            {
                "custom_id": f"req-{i}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {
                    "model": "demo/gpt-4o-mini",
                    "messages": [{"role": "user", "content": f"survive {i}"}],
                },
            }
        )
        + b"\n"
        for i in range(LINES)
    )


def test_kill_9_of_an_executor_admin_and_the_edge_mid_batch_loses_and_repeats_nothing(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    stack = start_stack(tmp_path_factory.mktemp("batch-faults"), executors=2)
    sim = Simulator(stack.simulator_url)
    try:
        sim.fault(model="gpt-4o-mini", latency_ms=150)
        with openai.OpenAI(
            base_url=stack.edge_url + "/v1", api_key=stack.api_key, max_retries=2
        ) as sdk:
            source = sdk.files.create(file=("in.jsonl", _lines()), purpose="batch")
            batch = sdk.batches.create(
                input_file_id=source.id,
                endpoint="/v1/chat/completions",
                completion_window="24h",
            )

            def completed() -> int:
                counts = sdk.batches.retrieve(batch.id).request_counts
                return counts.completed if counts else 0

            poll_until(lambda: completed() >= 40, timeout=60, interval=0.1)
            stack.stop_service("executor-1", signal.SIGKILL)
            poll_until(lambda: completed() >= 100, timeout=60, interval=0.1)
            stack.stop_service("admin", signal.SIGKILL)
            stack.start_service("admin")
            poll_until(lambda: completed() >= 140, timeout=60, interval=0.1)
            # The lines in flight fail to connect, wait and are sent again.
            stack.stop_service("edge", signal.SIGKILL)
            stack.start_service("edge")
            done = poll_until(
                lambda: (
                    found
                    if (found := sdk.batches.retrieve(batch.id)).status == "completed"
                    else None
                ),
                timeout=120,
                interval=0.2,
            )
            assert done.output_file_id is not None
            output = sdk.files.content(done.output_file_id).content.splitlines()
        rows = [orjson.loads(row) for row in output]
        answered = Counter(row["custom_id"] for row in rows)
        assert answered == Counter(f"req-{i}" for i in range(LINES))
        assert done.request_counts is not None
        assert (done.request_counts.completed, done.request_counts.failed) == (
            LINES,
            0,
        )
        for row in rows:
            number = row["custom_id"].removeprefix("req-")
            text = row["response"]["body"]["choices"][0]["message"]["content"]
            assert text == f"Echo: survive {number}"
    finally:
        sim.clear()
        sim.http.close()
        stack.stop()
