import io
import math
import struct
import wave

import pytest

from omniroute.audio import FLAC, M4A, MP3, OGG, WAV, WEBM, describe_bytes, sniff_audio


def _wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(
            b"".join(struct.pack("<h", int(8000 * math.sin(i / 5))) for i in range(800))
        )
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"ID3\x04\x00" + b"\x00" * 20, MP3),
        (b"\xff\xfb\x90\x64" + b"\x00" * 20, MP3),
        (b"fLaC\x00\x00\x00\x22", FLAC),
        (b"OggS\x00\x02", OGG),
        (b"\x1a\x45\xdf\xa3\x01\x00", WEBM),
        (b"\x00\x00\x00\x20ftypM4A ", M4A),
    ],
)
def test_containers_are_recognised_by_their_bytes(
    data: bytes, expected: object
) -> None:
    assert sniff_audio(data) is expected


def test_a_real_wav() -> None:
    assert sniff_audio(_wav()) is WAV


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        (b"", "an empty file"),
        (b'{"not": "audio"}', "JSON text"),
        (b"hello world", "plain text"),
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"%PDF-1.7", "a PDF document"),
    ],
)
def test_what_is_not_audio_is_named(data: bytes, hint: str) -> None:
    assert sniff_audio(data) is None
    assert describe_bytes(data) == hint
