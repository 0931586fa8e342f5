"""Same-format pass-through: when a provider is sent the client's own body.

A client and a provider that speak the same format need no translation: the
provider gets the client's body (only the model name replaced) and its
answer, streamed or whole, goes back as the provider's own bytes. That keeps
every field the hub does not model (a provider's new parameter, its own
event types) intact. The hub is OpenAI Chat's own shape, so an OpenAI Chat
client is served from the hub request, which already is its body.
"""

from __future__ import annotations

from omniroute.wire.formats import WireFormat

# The hub's shape: translating to it and back changes nothing to pass through.
HUB_FORMAT = WireFormat.OPENAI_CHAT


def is_passthrough(
    client: WireFormat | None, provider: WireFormat, *, body_forwardable: bool
) -> bool:
    """Is a target in ``provider``'s format served by pass-through?

    ``client`` is the client's format (None when unknown) and
    ``body_forwardable`` whether the edge allows the client's body to be sent
    as it is (nothing it changed, such as applied policies or a resolved
    conversation, would be lost).
    """
    return body_forwardable and client is provider and provider is not HUB_FORMAT
