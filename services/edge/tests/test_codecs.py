import orjson

from omniroute.errors import GatewayError, Unavailable
from services.edge.codecs import JsonArrayFrames


class ScriptedEvents:
    """An inner encoder whose output is given: SSE bytes per call."""

    def __init__(self, *fed: bytes, end: bytes = b"", failure: bytes = b"") -> None:
        self._fed = list(fed)
        self._end = end
        self._failure = failure

    def feed(self, items: list[bytes]) -> bytes:
        return self._fed.pop(0)

    def finish(self) -> bytes:
        return self._end

    def error(self, err: GatewayError) -> bytes:
        return self._failure


def test_each_complete_event_becomes_an_element_as_it_arrives() -> None:
    frames = JsonArrayFrames(
        ScriptedEvents(
            b'data: {"a":1}\n\ndata: {"b"', b":2}\r\n\r\n", end=b'data: {"c":3}\n\n'
        )
    )
    first = frames.feed([])
    assert first == b'[{"a":1}'
    second = frames.feed([])
    assert second == b',\r\n{"b":2}'
    body = first + second + frames.finish()
    assert orjson.loads(body) == [{"a": 1}, {"b": 2}, {"c": 3}]


def test_a_last_event_without_its_blank_line_still_counts() -> None:
    frames = JsonArrayFrames(ScriptedEvents(b'data: {"a":1}'))
    assert orjson.loads(frames.feed([]) + frames.finish()) == [{"a": 1}]


def test_an_error_is_the_last_element_and_the_array_is_closed() -> None:
    frames = JsonArrayFrames(
        ScriptedEvents(
            b'data: {"a":1}\n\n', failure=b'data: {"error":{"code":503}}\n\n'
        )
    )
    body = frames.feed([]) + frames.error(Unavailable("gone"))
    assert orjson.loads(body) == [{"a": 1}, {"error": {"code": 503}}]


def test_an_empty_stream_is_an_empty_array() -> None:
    assert orjson.loads(JsonArrayFrames(ScriptedEvents()).finish()) == []
