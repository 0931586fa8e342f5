"""The byte layouts of the audio the simulator writes, and how long a clip
of each lasts when it reads one back. Pure functions, no I/O.

What is written is real audio that players and decoders accept:

* PCM: signed 16-bit little-endian mono samples of a soft tone (one period
  repeated, so even minutes of it cost nothing to make); WAV wraps them in a
  RIFF/WAVE header; mu-law and A-law (G.711) are the same tone, 8 bits.
* MP3: MPEG Layer III frames of silence (a frame header, zeroed side
  information and main data, which decoders play as silence) at a constant
  bitrate, padded frame by frame as encoders do. MPEG-1 at 32/44.1/48 kHz,
  MPEG-2 at 16/22.05/24 kHz.
* Opus: an Ogg stream, written by ``ogg_opus.py``.
* FLAC: ``fLaC``, a STREAMINFO block, then frames of CONSTANT zero
  subframes, each with its CRC-8 header check and CRC-16 footer.
* AAC: ADTS frames of AAC-LC, each one silent single-channel element.
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Callable

from services.simulator import ogg_opus

PCM_AMPLITUDE = 3000  # about -21 dBFS: audible, far from clipping
TONE_HZ = 440


# --- PCM, WAV, G.711 -----------------------------------------------------


def _tone_period(rate: int) -> list[int]:
    """One period of the tone; its length divides into whole samples, so
    the pitch is the nearest one to ``TONE_HZ`` that does."""
    length = max(2, round(rate / TONE_HZ))
    return [
        round(PCM_AMPLITUDE * math.sin(2 * math.pi * i / length)) for i in range(length)
    ]


def _repeat(period: bytes, size: int) -> bytes:
    return (period * (size // len(period) + 1))[:size]


def pcm(samples: int, rate: int) -> bytes:
    """``samples`` of the tone as 16-bit little-endian mono PCM."""
    period = _tone_period(rate)
    return _repeat(struct.pack(f"<{len(period)}h", *period), 2 * samples)


def wav(samples: int, rate: int) -> bytes:
    """A RIFF/WAVE file: 16-bit mono PCM at ``rate``."""
    data = pcm(samples, rate)
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    chunks += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def _ulaw(sample: int) -> int:
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), 32635) + 0x84
    exponent = max(0, min(7, magnitude.bit_length() - 8))
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | exponent << 4 | mantissa) & 0xFF


def _alaw(sample: int) -> int:
    mask = 0xD5 if sample >= 0 else 0x55
    magnitude = (sample if sample >= 0 else -sample - 1) >> 3
    segment = max(0, magnitude.bit_length() - 5)
    if segment >= 8:
        return 0x7F ^ mask
    shift = 1 if segment < 2 else segment
    return ((segment << 4) | ((magnitude >> shift) & 0x0F)) ^ mask


def g711(samples: int, rate: int, law: str) -> bytes:
    """The tone in G.711 ``law`` (``ulaw`` or ``alaw``), one byte a sample."""
    encode: Callable[[int], int] = _ulaw if law == "ulaw" else _alaw
    return _repeat(bytes(encode(s) for s in _tone_period(rate)), samples)


# --- MP3 -----------------------------------------------------------------

_MPEG1_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_MPEG2_KBPS = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
_MPEG1_RATES = (44100, 48000, 32000)
_MPEG2_RATES = (22050, 24000, 16000)


def _mp3_layout(rate: int) -> tuple[bool, int]:
    """(MPEG-1?, samples per frame) for a sample rate."""
    if rate in _MPEG1_RATES:
        return True, 1152
    if rate in _MPEG2_RATES:
        return False, 576
    raise ValueError(f"MP3 has no {rate} Hz")


def mp3(samples: int, rate: int, kbps: int) -> bytes:
    """Silent mono MPEG Layer III frames covering at least ``samples``."""
    mpeg1, per_frame = _mp3_layout(rate)
    table, rates = (_MPEG1_KBPS, _MPEG1_RATES) if mpeg1 else (_MPEG2_KBPS, _MPEG2_RATES)
    version = 0x18 if mpeg1 else 0x10
    frames = max(1, math.ceil(samples / per_frame))
    bytes_per_frame = per_frame // 8 * kbps * 1000 / rate
    out = bytearray()
    for index in range(frames):
        # Padding keeps the running size at the exact bitrate, as encoders do.
        length = int((index + 1) * bytes_per_frame) - int(index * bytes_per_frame)
        padding = length - int(bytes_per_frame)
        header = bytes(
            (
                0xFF,
                0xE0 | version | 0x02 | 0x01,  # Layer III, no CRC
                table.index(kbps) << 4 | rates.index(rate) << 2 | padding << 1,
                0xC0,  # mono
            )
        )
        out += header + bytes(length - len(header))
    return bytes(out)


def _mp3_frame(data: bytes, offset: int) -> tuple[int, int, int] | None:
    """(frame length, samples, sample rate) of the frame at ``offset``."""
    if offset + 4 > len(data) or data[offset] != 0xFF:
        return None
    second, third = data[offset + 1], data[offset + 2]
    version, layer = (second >> 3) & 0x03, (second >> 1) & 0x03
    bitrate_index, rate_index = third >> 4, (third >> 2) & 0x03
    if second & 0xE0 != 0xE0 or layer != 0x01 or version == 0x01:
        return None
    if bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 0x03
    kbps = (_MPEG1_KBPS if mpeg1 else _MPEG2_KBPS)[bitrate_index]
    rate = (_MPEG1_RATES if mpeg1 else _MPEG2_RATES)[rate_index]
    if version == 0x00:  # MPEG-2.5: half the MPEG-2 rates
        rate //= 2
    per_frame = 1152 if mpeg1 else 576
    length = per_frame // 8 * kbps * 1000 // rate + ((third >> 1) & 0x01)
    return length, per_frame, rate


def mp3_duration(data: bytes) -> float | None:
    """Seconds of the MPEG audio frames from the start (after an ID3v2 tag),
    or None when they do not cover most of the data."""
    offset = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        size = data[6:10]
        offset = 10 + (size[0] << 21 | size[1] << 14 | size[2] << 7 | size[3])
    start, seconds = offset, 0.0
    while (frame := _mp3_frame(data, offset)) is not None:
        length, per_frame, rate = frame
        seconds += per_frame / rate
        offset += length
    covered = offset - start
    if not seconds or covered < 0.9 * (len(data) - start):
        return None
    return seconds


# --- FLAC ----------------------------------------------------------------

FLAC_BLOCK = 4096
_FLAC_RATE_CODES = {
    8000: 4,
    16000: 5,
    22050: 6,
    24000: 7,
    32000: 8,
    44100: 9,
    48000: 10,
    96000: 11,
}


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def _crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = (
                ((crc << 1) ^ 0x8005) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
            )
    return crc


def _flac_frame(number: int, block: int, rate_code: int) -> bytes:
    # Block size 4096 has its own code (12); any other is spelled out after
    # the frame number (code 7: 16 bits of size - 1).
    size_code = 12 if block == FLAC_BLOCK else 7
    header = bytes((0xFF, 0xF8, size_code << 4 | rate_code, 0x08))  # mono, 16 bit
    header += chr(number).encode("utf-8", "surrogatepass")
    if size_code == 7:
        header += struct.pack(">H", block - 1)
    header += bytes((_crc8(header),))
    body = header + b"\x00\x00\x00"  # CONSTANT subframe, sample value 0
    return body + struct.pack(">H", _crc16(body))


def flac(samples: int, rate: int) -> bytes:
    """A FLAC stream of ``samples`` of 16-bit mono silence at ``rate``."""
    rate_code = _FLAC_RATE_CODES[rate]
    frames = [
        _flac_frame(n, min(FLAC_BLOCK, samples - start), rate_code)
        for n, start in enumerate(range(0, samples, FLAC_BLOCK))
    ]
    sizes = [len(frame) for frame in frames]
    packed = rate << 44 | 0 << 41 | 15 << 36 | samples  # mono, 16 bits
    info = struct.pack(">HH", FLAC_BLOCK, FLAC_BLOCK)
    info += min(sizes).to_bytes(3, "big") + max(sizes).to_bytes(3, "big")
    info += packed.to_bytes(8, "big") + hashlib.md5(bytes(2 * samples)).digest()
    block_header = bytes((0x80,)) + len(info).to_bytes(3, "big")  # last, STREAMINFO
    return b"fLaC" + block_header + info + b"".join(frames)


def flac_duration(data: bytes) -> float | None:
    """Seconds from the STREAMINFO block: total samples / sample rate."""
    if data[:4] != b"fLaC" or len(data) < 8 + 34 or data[4] & 0x7F != 0:
        return None
    packed = int.from_bytes(data[8 + 10 : 8 + 18], "big")
    rate, total = packed >> 44, packed & (2**36 - 1)
    return total / rate if rate and total else None


# --- AAC (ADTS) ----------------------------------------------------------

_ADTS_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000)
AAC_FRAME_SAMPLES = 1024
# One AAC-LC raw data block: a single-channel element with no spectral
# bands (max_sfb 0), then END: it decodes to 1024 samples of silence.
AAC_SILENT_BLOCK = b"\x01\x18\x20\x07"


def adts(samples: int, rate: int) -> bytes:
    """ADTS frames of silent mono AAC-LC covering at least ``samples``."""
    length = 7 + len(AAC_SILENT_BLOCK)
    fullness = 0x7FF  # variable bitrate
    header = bytes(
        (
            0xFF,
            0xF1,  # MPEG-4, layer 0, no CRC
            1 << 6 | _ADTS_RATES.index(rate) << 2,  # AAC LC, mono (high bit 0)
            1 << 6 | length >> 11,  # mono (low bits)
            (length >> 3) & 0xFF,
            (length & 0x07) << 5 | fullness >> 6,
            (fullness & 0x3F) << 2,
        )
    )
    frames = max(1, math.ceil(samples / AAC_FRAME_SAMPLES))
    return (header + AAC_SILENT_BLOCK) * frames


def is_adts(data: bytes) -> bool:
    """12 sync bits then layer 00: ADTS, not an MPEG audio frame."""
    return len(data) > 1 and data[0] == 0xFF and data[1] & 0xF6 == 0xF0


def adts_duration(data: bytes) -> float | None:
    offset, frames, rate = 0, 0, 0
    while offset + 7 <= len(data) and is_adts(data[offset : offset + 2]):
        rate_index = (data[offset + 2] >> 2) & 0x0F
        if rate_index >= len(_ADTS_RATES):
            return None
        rate = _ADTS_RATES[rate_index]
        length = (
            (data[offset + 3] & 0x03) << 11
            | data[offset + 4] << 3
            | data[offset + 5] >> 5
        )
        if length < 7:
            return None
        frames += (data[offset + 6] & 0x03) + 1
        offset += length
    return frames * AAC_FRAME_SAMPLES / rate if frames else None


# --- reading back ---------------------------------------------------------


def wav_duration(data: bytes) -> float | None:
    """Seconds of a WAV file: data bytes / byte rate, from its chunks."""
    offset, byte_rate, data_size = 12, 0, None
    while offset + 8 <= len(data):
        kind = data[offset : offset + 4]
        size = int.from_bytes(data[offset + 4 : offset + 8], "little")
        if kind == b"fmt " and offset + 20 <= len(data):
            byte_rate = int.from_bytes(data[offset + 16 : offset + 20], "little")
        elif kind == b"data":
            data_size = min(size, len(data) - offset - 8)
            break
        offset += 8 + size + (size & 1)
    if not byte_rate or data_size is None:
        return None
    return data_size / byte_rate


PROBES: dict[str, Callable[[bytes], float | None]] = {
    "audio/wav": wav_duration,
    "audio/mpeg": mp3_duration,
    "audio/ogg": ogg_opus.duration,
    "audio/flac": flac_duration,
    "audio/aac": adts_duration,
}


def duration_of(content_type: str, data: bytes) -> float | None:
    """The clip's length read from its own headers or frames, when
    ``content_type`` is one the simulator can read and the data parses."""
    probe = PROBES.get(content_type)
    return probe(data) if probe is not None else None
