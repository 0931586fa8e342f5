"""JSON Schema (as OpenAI and Anthropic tools carry it) as a Gemini ``Schema``.

Gemini's function ``parameters`` and ``responseSchema`` take an OpenAPI 3.0
subset and answer 400 to keywords outside it (``$schema``,
``additionalProperties``, ``const``, type arrays...). Schemas written for
other providers are rewritten into that subset: local ``$ref``s inlined,
``["string", "null"]`` as ``nullable``, ``const`` as a one-value ``enum``.
"""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]

_KEEP = frozenset(
    {
        "description", "title", "nullable", "minItems", "maxItems", "minLength",
        "maxLength", "minProperties", "maxProperties", "minimum", "maximum",
        "pattern", "propertyOrdering", "default", "example",
    }
)  # fmt: skip
# Gemini accepts only these formats and rejects the rest (e.g. "uri", "email").
_FORMATS = frozenset({"enum", "date-time", "int32", "int64", "float", "double"})
_MAX_DEPTH = 16


def to_gemini_schema(schema: Any) -> Json:
    """A Gemini-acceptable copy of a JSON Schema."""
    if not isinstance(schema, dict):
        return {}
    defs = {**(schema.get("definitions") or {}), **(schema.get("$defs") or {})}
    return _convert(schema, defs, 0)


def _resolve(schema: Json, defs: Json, depth: int) -> Json:
    ref = schema.get("$ref")
    if not isinstance(ref, str) or depth > _MAX_DEPTH:
        return schema
    name = ref.rsplit("/", 1)[-1]
    target = defs.get(name)
    if not isinstance(target, dict):
        return {k: v for k, v in schema.items() if k != "$ref"}
    merged = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return _resolve(merged, defs, depth + 1)


def _convert(schema: Json, defs: Json, depth: int) -> Json:
    schema = _resolve(schema, defs, depth)
    if depth > _MAX_DEPTH:
        return {"type": "object"}
    out: Json = {key: schema[key] for key in _KEEP if key in schema}
    _type(schema, out)
    if schema.get("format") in _FORMATS:
        out["format"] = schema["format"]
    if "const" in schema:
        out["enum"] = [str(schema["const"])]
    elif isinstance(schema.get("enum"), list):
        values = [v for v in schema["enum"] if v is not None]
        out["enum"] = [str(v) for v in values]
        out.setdefault("type", "string")
        if len(values) < len(schema["enum"]):
            out["nullable"] = True
    if isinstance(schema.get("properties"), dict):
        out["properties"] = {
            name: _convert(sub, defs, depth + 1) if isinstance(sub, dict) else {}
            for name, sub in schema["properties"].items()
        }
        required = schema.get("required")
        if isinstance(required, list):
            out["required"] = [r for r in required if r in out["properties"]]
    if isinstance(schema.get("items"), dict):
        out["items"] = _convert(schema["items"], defs, depth + 1)
    variants = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(variants, list):
        _variants(variants, defs, depth, out)
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], dict):
        out = {**_convert(all_of[0], defs, depth + 1), **out}
    return out


def _type(schema: Json, out: Json) -> None:
    kind = schema.get("type")
    if isinstance(kind, list):
        types = [t for t in kind if t != "null"]
        if len(types) < len(kind):
            out["nullable"] = True
        if len(types) == 1:
            out["type"] = types[0]
        elif types:
            out["anyOf"] = [{"type": t} for t in types]
    elif isinstance(kind, str) and kind != "null":
        out["type"] = kind
    elif kind == "null":
        out["nullable"] = True


def _variants(variants: list[Any], defs: Json, depth: int, out: Json) -> None:
    converted = []
    for variant in variants:
        if not isinstance(variant, dict):
            continue
        if variant.get("type") == "null":
            out["nullable"] = True
            continue
        converted.append(_convert(variant, defs, depth + 1))
    if len(converted) == 1:
        for key, value in converted[0].items():
            out.setdefault(key, value)
    elif converted:
        out["anyOf"] = converted


def from_gemini_schema(schema: Any) -> Any:
    """A Gemini ``Schema`` as JSON Schema for the hub.

    Gemini clients may write types in upper case (``"OBJECT"``, the proto
    enum) and use ``nullable``; JSON Schema wants ``"object"`` and a
    ``"null"`` type.
    """
    if isinstance(schema, list):
        return [from_gemini_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: Json = {}
    for key, value in schema.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: from_gemini_schema(sub) for name, sub in value.items()}
        elif key in ("items", "anyOf"):
            out[key] = from_gemini_schema(value)
        elif key == "type" and isinstance(value, str):
            out[key] = value.lower()
        elif key != "nullable":
            out[key] = value
    if schema.get("nullable") is True and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out
