"""Base classes of the management API's JSON bodies.

Two spellings exist in the wild: the original OmniRoute dashboard speaks
camelCase, our protobuf contracts snake_case. Every body accepts both;
``SnakeModel`` answers in snake_case (settings that mirror the snapshot),
``CamelModel`` in camelCase (endpoints whose shape the SPEC gives that way).
"""

from __future__ import annotations

from pydantic import AliasChoices, AliasGenerator, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


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
