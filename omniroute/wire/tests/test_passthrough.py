import pytest

from omniroute.wire.formats import WireFormat
from omniroute.wire.passthrough import is_passthrough

OWN_FORMATS = [f for f in WireFormat if f is not WireFormat.OPENAI_CHAT]


@pytest.mark.parametrize("fmt", OWN_FORMATS)
def test_a_target_in_the_clients_own_format_gets_its_body(fmt: WireFormat) -> None:
    assert is_passthrough(fmt, fmt, body_forwardable=True)


@pytest.mark.parametrize("fmt", OWN_FORMATS)
def test_a_body_the_edge_changed_is_never_forwarded(fmt: WireFormat) -> None:
    assert not is_passthrough(fmt, fmt, body_forwardable=False)


@pytest.mark.parametrize("client", list(WireFormat))
@pytest.mark.parametrize("provider", list(WireFormat))
def test_different_formats_are_translated(
    client: WireFormat, provider: WireFormat
) -> None:
    if client is not provider:
        assert not is_passthrough(client, provider, body_forwardable=True)


def test_openai_chat_is_the_hub_so_it_is_served_from_the_hub_request() -> None:
    fmt = WireFormat.OPENAI_CHAT
    assert not is_passthrough(fmt, fmt, body_forwardable=True)


def test_an_unknown_client_format_is_translated() -> None:
    assert not is_passthrough(None, WireFormat.ANTHROPIC, body_forwardable=True)
