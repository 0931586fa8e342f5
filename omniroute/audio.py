"""Recognises audio containers by their bytes, not by the file's name.

A transcription request names its file whatever it likes; what reaches the
provider must really be audio, so the edge checks the magic bytes and
refuses anything else with a 400 that says what was found.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AudioFormat:
    name: str
    mime: str


MP3 = AudioFormat("mp3", "audio/mpeg")
WAV = AudioFormat("wav", "audio/wav")
M4A = AudioFormat("m4a", "audio/mp4")
FLAC = AudioFormat("flac", "audio/flac")
OGG = AudioFormat("ogg", "audio/ogg")
WEBM = AudioFormat("webm", "audio/webm")
SUPPORTED = (MP3, WAV, M4A, FLAC, OGG, WEBM)


def sniff_audio(data: bytes) -> AudioFormat | None:
    """The container of ``data``, or None when it is not audio we accept."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return WAV
    if data[:4] == b"fLaC":
        return FLAC
    if data[:4] == b"OggS":
        return OGG
    if data[:4] == b"\x1a\x45\xdf\xa3":  # EBML: Matroska / WebM
        return WEBM
    if data[4:8] == b"ftyp":  # ISO base media: m4a, mp4 audio
        return M4A
    if data[:3] == b"ID3":
        return MP3
    # An MPEG audio frame: 11 sync bits, then a layer other than "reserved".
    if len(data) >= 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0 and data[1] & 0x06:
        return MP3
    return None


def describe_bytes(data: bytes) -> str:
    """A hint of what a refused upload looked like, for the error message."""
    if not data:
        return "an empty file"
    head = data[:16]
    for magic, name in (
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"%PDF", "a PDF document"),
    ):
        if head.startswith(magic):
            return name
    if head.lstrip().startswith((b"{", b"[")):
        return "JSON text"
    if all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        return "plain text"
    return "binary data of an unknown kind"
