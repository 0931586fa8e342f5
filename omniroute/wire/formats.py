"""The wire formats OmniRoute speaks, as clients and as providers."""

from __future__ import annotations

from enum import StrEnum

from omniroute.common.v1 import common_pb2


class WireFormat(StrEnum):
    OPENAI_CHAT = "openai-chat"
    ANTHROPIC = "anthropic"
    RESPONSES = "openai-responses"
    GEMINI = "gemini"
    OLLAMA = "ollama"

    def to_proto(self) -> common_pb2.ApiFormat:
        return _TO_PROTO[self]

    @classmethod
    def from_proto(cls, value: int) -> WireFormat:
        try:
            return _FROM_PROTO[value]
        except KeyError:
            raise ValueError(f"unknown ApiFormat {value}") from None


_TO_PROTO = {
    WireFormat.OPENAI_CHAT: common_pb2.API_FORMAT_OPENAI_CHAT,
    WireFormat.ANTHROPIC: common_pb2.API_FORMAT_ANTHROPIC_MESSAGES,
    WireFormat.RESPONSES: common_pb2.API_FORMAT_OPENAI_RESPONSES,
    WireFormat.GEMINI: common_pb2.API_FORMAT_GEMINI,
    WireFormat.OLLAMA: common_pb2.API_FORMAT_OLLAMA,
}
_FROM_PROTO: dict[int, WireFormat] = {v: k for k, v in _TO_PROTO.items()}
