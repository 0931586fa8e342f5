"""The ``llm`` library with the llm-ollama plug-in, whose Ollama host is the
gateway's key-scoped base URL (``OLLAMA_HOST``): a streamed prompt, read
chunk by chunk as the CLI prints it. Usage: llm_client.py stream <model>."""

from __future__ import annotations

import sys
from typing import Any

import llm
from common import run


def stream() -> dict[str, Any]:
    response = llm.get_model(sys.argv[2]).prompt("hello llm stream", stream=True)
    return {"pieces": list(response), "text": response.text()}


run({"stream": stream})
