from omniroute.wire.sse import NDJSONDecoder, SSEDecoder, SSEEvent, encode_sse


def test_events_split_across_reads_are_reassembled() -> None:
    decoder = SSEDecoder()
    stream = (
        b'event: message_start\r\ndata: {"a":1}\r\n\r\n: ping\n\ndata: x\ndata: y\n\n'
    )
    events = [e for i in range(len(stream)) for e in decoder.feed(stream[i : i + 1])]
    assert events == [
        SSEEvent('{"a":1}', "message_start"),
        SSEEvent("x\ny"),
    ]


def test_flush_emits_an_unterminated_last_event() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: [DONE]") == []
    assert decoder.flush() == [SSEEvent("[DONE]")]


def test_ndjson_lines() -> None:
    decoder = NDJSONDecoder()
    assert decoder.feed(b'{"a":1}\n{"b"') == [b'{"a":1}']
    assert decoder.feed(b":2}\n\n") == [b'{"b":2}']
    assert decoder.feed(b'{"c":3}') == []
    assert decoder.flush() == [b'{"c":3}']


def test_encode() -> None:
    assert encode_sse(b"{}") == b"data: {}\n\n"
    assert encode_sse("{}", "ping") == b"event: ping\ndata: {}\n\n"
