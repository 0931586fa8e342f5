"""The audio the simulator writes, checked on its bytes: CRCs a decoder
verifies, frame sizes, and durations read back."""

from __future__ import annotations

import struct

import pytest

from services.simulator import audio_formats, ogg_opus
from services.simulator.audio import describe, sniff


def test_checksums_are_the_standard_ones() -> None:
    # The catalogued check values of each CRC for "123456789".
    assert ogg_opus._ogg_crc(b"123456789") == 0x89A1897F
    assert audio_formats._crc8(b"123456789") == 0xF4
    assert audio_formats._crc16(b"123456789") == 0xFEE8


def test_ogg_pages_carry_valid_crcs_and_granules() -> None:
    data = ogg_opus.encode(48_000 * 3 + 100, 24_000)
    offset, pages, granules = 0, 0, []
    while offset < len(data):
        assert data[offset : offset + 4] == b"OggS"
        segments = data[offset + 26]
        size = 27 + segments + sum(data[offset + 27 : offset + 27 + segments])
        page = data[offset : offset + size]
        stored = struct.unpack_from("<I", page, 22)[0]
        blank = page[:22] + b"\0\0\0\0" + page[26:]
        assert ogg_opus._ogg_crc(blank) == stored
        granules.append(struct.unpack_from("<q", page, 6)[0])
        offset += size
        pages += 1
    assert pages == 2 + 4  # OpusHead, OpusTags, then a page a second
    assert granules[-1] == ogg_opus.OPUS_PRE_SKIP + 48_000 * 3 + 100
    assert data[5] == 0x02 and data[offset - size + 5] == 0x04  # BOS, EOS


def test_flac_frames_end_with_their_crc16() -> None:
    data = audio_formats.flac(10_000, 24_000)
    frames = data[4 + 4 + 34 :]
    # 4096 + 4096 + 1808 samples: two 11-byte frames, then one that spells
    # its block size out (2 more bytes).
    assert len(frames) == 11 + 11 + 13
    for start, end in ((0, 11), (11, 22), (22, 35)):
        frame = frames[start:end]
        assert frame[:2] == b"\xff\xf8"
        assert audio_formats._crc16(frame[:-2]) == int.from_bytes(frame[-2:], "big")
    assert describe(data).duration == round(10_000 / 24_000, 3)


@pytest.mark.parametrize(
    ("rate", "kbps", "header"),
    [(44100, 128, b"\xff\xfb\x90\xc0"), (22050, 32, b"\xff\xf3\x40\xc0")],
)
def test_mp3_runs_at_its_exact_bitrate(rate: int, kbps: int, header: bytes) -> None:
    data = audio_formats.mp3(rate * 10, rate, kbps)
    assert data[:4] == header
    per_frame = 1152 if rate == 44100 else 576
    frames = -(-rate * 10 // per_frame)
    assert len(data) == int(frames * (per_frame // 8) * kbps * 1000 / rate)
    assert audio_formats.mp3_duration(data) == pytest.approx(frames * per_frame / rate)


def test_adts_is_told_apart_from_mp3() -> None:
    aac = audio_formats.adts(24_000, 24_000)
    assert sniff(aac) == "audio/aac"
    assert aac[:7] == bytes.fromhex("fff1 5840 017f fc")
    assert describe(aac).duration == round(24 * 1024 / 24_000, 3)
    assert sniff(b"\xff\xfb\x90") == "audio/mpeg"


def test_g711_silence_and_tone() -> None:
    assert audio_formats._ulaw(0) == 0xFF
    assert audio_formats._alaw(0) == 0xD5
    assert audio_formats._ulaw(32767) == 0x80 and audio_formats._ulaw(-32768) == 0x00
    tone = audio_formats.g711(800, 8000, "ulaw")
    assert len(tone) == 800 and len(set(tone)) > 5


def test_unreadable_mp3_falls_back_to_its_size() -> None:
    assert describe(b"ID3" + bytes(31_997)).duration == 2.0
