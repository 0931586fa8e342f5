"""Cohere's Python SDK against the gateway's ``/v1/rerank`` and ``/v2/rerank``
(the demo provider: the simulator's Cohere-compatible rerank)."""

from __future__ import annotations

import pytest

from tests.clients.harness import Gateway, Scripts

pytestmark = [pytest.mark.e2e, pytest.mark.clients]


@pytest.mark.parametrize("scenario", ["rerank_v2", "rerank_v1"])
def test_rerank_answers_what_the_provider_scored(
    scripts: Scripts, gateway: Gateway, scenario: str
) -> None:
    through_gateway = scripts.python_script("cohere_client", scenario)
    direct = scripts.python_script(
        "cohere_client",
        scenario,
        COHERE_BASE_URL=gateway.stack.simulator_url,
        OMNIROUTE_KEY="sk-demo",
    )
    assert through_gateway["results"] == direct["results"]
    assert [row[0] for row in through_gateway["results"]] == [1, 0]
    if scenario == "rerank_v2":
        assert through_gateway["search_units"] == 1
    else:
        assert through_gateway["results"][0][2].startswith("Washington")
