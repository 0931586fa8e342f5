"""The models the simulator lists. It answers for any model name; these are
what its list endpoints show (the demo run registers them). Only ``sim-*``
names: real providers' names get deprecated (and SDKs warn about them)."""

from __future__ import annotations

CHAT_MODELS = ["sim-echo", "sim-long", "sim-think"]
EMBEDDING_MODELS = ["sim-embed"]
IMAGE_MODELS = ["sim-image"]
AUDIO_MODELS = ["sim-whisper"]
ALL_MODELS = CHAT_MODELS + EMBEDDING_MODELS + IMAGE_MODELS + AUDIO_MODELS
