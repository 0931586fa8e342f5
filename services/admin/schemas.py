"""Base classes of the management API's JSON bodies.

Two spellings exist in the wild: the original OmniRoute dashboard speaks
camelCase, our protobuf contracts snake_case. Every body accepts both;
``SnakeModel`` answers in snake_case (settings that mirror the snapshot),
``CamelModel`` in camelCase (endpoints whose shape the SPEC gives that way).
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import (
    AliasChoices,
    AliasGenerator,
    BaseModel,
    ConfigDict,
    ValidationError,
)
from pydantic.alias_generators import to_camel

M = TypeVar("M", bound=BaseModel)


def _either(name: str) -> AliasChoices:
    return AliasChoices(name, to_camel(name))


class SnakeModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=AliasGenerator(validation_alias=_either),
        populate_by_name=True,
    )


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class Ok(BaseModel):
    """A plain acknowledgement."""

    ok: bool = True


def validated(model: type[M], data: Any) -> M:
    """Validates ``data`` as a request body; errors answer as FastAPI's own do."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None


def with_camel_twins(data: Any) -> Any:
    """A serialised row with a camelCase twin of each snake_case field: the
    original OmniRoute's callers read camelCase, ours snake_case."""
    if not isinstance(data, dict):
        return data
    return data | {to_camel(k): v for k, v in data.items() if "_" in k}
