"""Ogg Opus, as the simulator writes and reads it: an OpusHead page, an
OpusTags page, then pages of 20 ms CELT packets that decode to silence,
each page with its CRC and granule position (RFC 7845). Pure functions."""

from __future__ import annotations

import math
import struct

OPUS_RATE = 48_000
OPUS_PRE_SKIP = 312  # libopus's encoder delay at 48 kHz
OPUS_FRAME_SAMPLES = 960  # 20 ms
# TOC 0xF8: CELT-only fullband, 20 ms, mono, one frame; then a frame that
# decodes to digital silence.
OPUS_SILENT_PACKET = b"\xf8\xff\xfe"
OGG_PACKETS_PER_PAGE = 50  # one second a page
OGG_SERIAL = 0x51A1_0001


def _ogg_crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte << 24
        for _ in range(8):
            crc = (crc << 1) ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1
        table.append(crc & 0xFFFFFFFF)
    return table


_OGG_CRC = _ogg_crc_table()


def _ogg_crc(page: bytes) -> int:
    crc = 0
    for byte in page:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _OGG_CRC[(crc >> 24) ^ byte]
    return crc


def _ogg_page(packets: list[bytes], granule: int, sequence: int, flags: int) -> bytes:
    lacing = bytearray()
    for packet in packets:
        lacing += b"\xff" * (len(packet) // 255) + bytes((len(packet) % 255,))
    header = struct.pack(
        "<4sBBqIIIB", b"OggS", 0, flags, granule, OGG_SERIAL, sequence, 0, len(lacing)
    )
    page = header + bytes(lacing) + b"".join(packets)
    return page[:22] + struct.pack("<I", _ogg_crc(page)) + page[26:]


def encode(samples: int, input_rate: int) -> bytes:
    """An Ogg Opus stream of ``samples`` (counted at 48 kHz) of silence;
    ``input_rate`` is what OpusHead reports as the source's rate."""
    head = struct.pack("<8sBBHIhB", b"OpusHead", 1, 1, OPUS_PRE_SKIP, input_rate, 0, 0)
    vendor = b"omniroute-simulator"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    pages = [_ogg_page([head], 0, 0, 0x02), _ogg_page([tags], 0, 1, 0)]
    packets = max(1, math.ceil(samples / OPUS_FRAME_SAMPLES))
    written = 0
    while written < packets:
        count = min(OGG_PACKETS_PER_PAGE, packets - written)
        written += count
        last = written == packets
        # The last page's granule trims the final packet to the exact length.
        end = samples if last else written * OPUS_FRAME_SAMPLES
        flags = 0x04 if last else 0
        page = _ogg_page(
            [OPUS_SILENT_PACKET] * count, OPUS_PRE_SKIP + end, len(pages), flags
        )
        pages.append(page)
    return b"".join(pages)


def duration(data: bytes) -> float | None:
    """Seconds of an Ogg Opus stream: the last page's granule position less
    the pre-skip, at 48 kHz."""
    head = data.find(b"OpusHead")
    if head < 0 or head + 12 > len(data):
        return None
    pre_skip = int.from_bytes(data[head + 10 : head + 12], "little")
    offset, granule = 0, None
    while data[offset : offset + 4] == b"OggS" and offset + 27 <= len(data):
        segments = data[offset + 26]
        lacing = data[offset + 27 : offset + 27 + segments]
        granule = int.from_bytes(data[offset + 6 : offset + 14], "little", signed=True)
        offset += 27 + segments + sum(lacing)
    if granule is None or granule <= pre_skip:
        return None
    return (granule - pre_skip) / OPUS_RATE
