"""Gemini ``countTokens`` requests as hub requests, to be counted.

The body holds either ``contents`` or a whole ``generateContentRequest``
(system instruction, tools and all); Gemini ignores ``contents`` when both
are sent, and so does this.
"""

from __future__ import annotations

from typing import Any

from omniroute.wire.gemini.request import field, request_to_hub
from omniroute.wire.validation import expect_object

Json = dict[str, Any]


def count_request_to_hub(body: Json, *, model: str) -> Json:
    """The hub request whose prompt a ``countTokens`` body asks to count."""
    expect_object(body, "body")
    inner = field(body, "generateContentRequest")
    if inner is not None:
        expect_object(inner, "generateContentRequest")
        # Its own ``model`` names the URL's model; the URL decides, as for
        # every other method.
        return request_to_hub(inner, model=model, stream=False, require_contents=False)
    contents = field(body, "contents")
    return request_to_hub(
        {} if contents is None else {"contents": contents},
        model=model,
        stream=False,
        require_contents=False,
    )
