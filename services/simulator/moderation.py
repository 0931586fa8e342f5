"""OpenAI moderations, deterministic: a small list of keywords per category.

* A category is flagged when its text holds one of its keywords (whole
  words, case-insensitive): score 0.9, plus 0.02 for each further keyword
  found (at most 0.99). A sub-category lifts its parent (``violence/graphic``
  flags ``violence`` too). Otherwise a score below 0.001, taken from a hash
  of the text, so repeated calls agree.
* Inputs: a string, a list of strings (one result each), or a list of
  ``text`` / ``image_url`` parts (one result for the whole list). Images are
  never flagged; they are listed in ``category_applied_input_types`` of the
  categories that read images (omni models only).
* ``text-moderation-*`` models read text only and have no
  ``category_applied_input_types``.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

from services.simulator.errors import ProviderError

DEFAULT_MODEL = "omni-moderation-latest"
FLAG_THRESHOLD = 0.5
HIT_SCORE = 0.9
MAX_SCORE = 0.99
KEYWORDS: dict[str, tuple[str, ...]] = {
    "harassment": ("idiot", "moron", "loser"),
    "harassment/threatening": ("watch your back", "i will find you"),
    "hate": ("subhuman", "vermin"),
    "hate/threatening": ("exterminate them",),
    "illicit": ("shoplift", "counterfeit", "launder"),
    "illicit/violent": ("pipe bomb", "untraceable gun"),
    "self-harm": ("self-harm", "hurt myself"),
    "self-harm/intent": ("kill myself", "end my life"),
    "self-harm/instructions": ("how to self-harm",),
    "sexual": ("porn", "explicit sex"),
    "sexual/minors": ("csam",),
    "violence": ("kill", "murder", "stab", "shoot"),
    "violence/graphic": ("gore", "dismember"),
}
CATEGORIES = tuple(KEYWORDS)
# The categories the omni models also score images for.
IMAGE_CATEGORIES = frozenset(
    {
        "self-harm",
        "self-harm/intent",
        "self-harm/instructions",
        "sexual",
        "violence",
        "violence/graphic",
    }
)
_PATTERNS = {
    category: [re.compile(rf"\b{re.escape(word)}\b") for word in words]
    for category, words in KEYWORDS.items()
}


def _low_score(category: str, text: str) -> float:
    digest = hashlib.sha256(f"{category}\0{text}".encode()).digest()
    return int.from_bytes(digest[:2], "big") / 65535 / 1000


def category_scores(text: str) -> dict[str, float]:
    """Each category's score for ``text``."""
    lowered = text.lower()
    scores = {}
    for category in CATEGORIES:
        hits = sum(1 for pattern in _PATTERNS[category] if pattern.search(lowered))
        scores[category] = (
            min(MAX_SCORE, HIT_SCORE + 0.02 * (hits - 1))
            if hits
            else _low_score(category, text)
        )
    for category in CATEGORIES:
        parent = category.split("/")[0]
        scores[parent] = max(scores[parent], scores[category])
    return scores


def _parts(items: list[Any]) -> tuple[str, int]:
    """(the text, the number of images) of a list of input parts."""
    texts, images = [], 0
    for index, part in enumerate(items):
        kind = part.get("type") if isinstance(part, dict) else None
        image = part.get("image_url") if kind == "image_url" else None
        if kind == "text" and isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif isinstance(image, dict) and isinstance(image.get("url"), str):
            images += 1
        else:
            raise ProviderError(
                400,
                f"Invalid 'input[{index}]': expected a text or an image_url part.",
            )
    return " ".join(texts), images


def _inputs(value: Any) -> list[tuple[str, int, bool]]:
    """Each result's (text, image count, whether it has text)."""
    if isinstance(value, str):
        return [(value, 0, True)]
    if not isinstance(value, list) or not value:
        raise ProviderError(
            400, "'input' must be a string, or a non-empty array of strings or parts."
        )
    if all(isinstance(item, str) for item in value):
        return [(item, 0, True) for item in value]
    if any(isinstance(item, str) for item in value):
        raise ProviderError(400, "'input' cannot mix strings and content parts.")
    text, images = _parts(value)
    has_text = any(part.get("type") == "text" for part in value)
    return [(text, images, has_text)]


def _result(text: str, images: int, has_text: bool, omni: bool) -> dict[str, Any]:
    scores = category_scores(text)
    result: dict[str, Any] = {
        "flagged": any(score >= FLAG_THRESHOLD for score in scores.values()),
        "categories": {c: scores[c] >= FLAG_THRESHOLD for c in CATEGORIES},
        "category_scores": scores,
    }
    if omni:
        result["category_applied_input_types"] = {
            category: [
                *(["image"] if images and category in IMAGE_CATEGORIES else []),
                *(["text"] if has_text else []),
            ]
            for category in CATEGORIES
        }
    return result


def moderations(body: dict[str, Any]) -> dict[str, Any]:
    """The ``/v1/moderations`` answer."""
    model = body.get("model") or DEFAULT_MODEL
    if not isinstance(model, str) or not model.startswith(
        ("omni-moderation", "text-moderation")
    ):
        raise ProviderError(
            404, f"The model `{model}` does not exist or you do not have access to it."
        )
    omni = model.startswith("omni-moderation")
    inputs = _inputs(body.get("input"))
    if not omni and any(images for _, images, _ in inputs):
        raise ProviderError(400, f"Model {model} does not support image inputs.")
    return {
        "id": "modr-" + uuid.uuid4().hex,
        "model": model,
        "results": [_result(text, images, has, omni) for text, images, has in inputs],
    }
