"""OpenAI image edits (``POST /v1/images/edits``): the multipart form checked.

OpenAI's wire format: ``image`` (one file) or ``image[]`` (one part per
image, up to 16, as the OpenAI SDKs send a list), an optional ``mask``
(a PNG), ``prompt``, ``model``, and text fields such as ``n``, ``size``,
``response_format``, ``quality``, ``background`` or ``output_format``, which
are passed on as the client sent them. A bad form is a 400 naming the
field here, not a provider's vaguer one after the upload.
"""

from __future__ import annotations

from collections.abc import Iterable

from omniroute.errors import BadRequest
from omniroute.uploads import Upload, sniff_image

MAX_IMAGES = 16
_IMAGE = ("image", "image[]")
_MASK = "mask"
_FORMATS = "PNG, JPEG or WebP"


def _image(upload: Upload) -> Upload:
    """``upload`` with its type read from its bytes, or a 400."""
    mime = sniff_image(upload.data)
    field = "image" if upload.field in _IMAGE else upload.field
    if mime is None:
        raise BadRequest(
            f"{field}: '{upload.filename}' is not a {_FORMATS} image",
            param=field,
            code="invalid_image",
        )
    if field == _MASK and mime != "image/png":
        raise BadRequest(
            f"mask: '{upload.filename}' must be a PNG",
            param=_MASK,
            code="invalid_image",
        )
    return Upload(upload.field, upload.filename, mime, upload.data)


def image_edit_request(
    fields: dict[str, str], uploads: Iterable[Upload]
) -> tuple[dict[str, str], list[Upload]]:
    """The edit's text fields and its files, validated: images and at most
    one mask, each with its type as read from its bytes."""
    files = list(uploads)
    for upload in files:
        if upload.field not in (*_IMAGE, _MASK):
            raise BadRequest(
                f"{upload.field}: unexpected file; send 'image' (or 'image[]') "
                "and an optional 'mask'",
                param=upload.field,
            )
    images = [f for f in files if f.field in _IMAGE]
    if not images:
        raise BadRequest("image: at least one image file is required", param="image")
    if len(images) > MAX_IMAGES:
        raise BadRequest(f"image: at most {MAX_IMAGES} images", param="image")
    if sum(f.field == _MASK for f in files) > 1:
        raise BadRequest("mask: at most one mask", param=_MASK)
    prompt = fields.get("prompt", "").strip()
    if not prompt:
        raise BadRequest("prompt: a non-empty string is required", param="prompt")
    n = fields.get("n")
    if n is not None and not (n.isdigit() and 1 <= int(n) <= 10):
        raise BadRequest("n: an integer from 1 to 10", param="n")
    if fields.get("stream", "false").lower() not in ("false", "0"):
        raise BadRequest(
            "stream: partial images are not available through the gateway; "
            "leave stream out for the whole images",
            param="stream",
        )
    if fields.get("response_format", "url") not in ("url", "b64_json"):
        raise BadRequest(
            "response_format: 'url' or 'b64_json'", param="response_format"
        )
    return dict(fields), [_image(f) for f in files]
