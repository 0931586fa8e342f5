"""Provider simulator: the upstream of OmniRoute's tests, benchmarks and demo.

Start it with ``python -m services.simulator --port 0`` (flags: ``--host``,
``--latency-ms``, ``--chunk-delay-ms`` (default 5), ``--fast``,
``--require-key KEY`` (repeatable)); the first stdout line is
``simulator listening on http://HOST:PORT``. ``harness.py`` wraps this for
tests. It speaks each provider's own wire format:

* OpenAI ``/v1/chat/completions`` (and ``/chat/completions``), ``/v1/responses``,
  ``/v1/models``, ``/v1/embeddings``, ``/v1/images/generations``,
  ``/v1/audio/transcriptions``, ``/v1/audio/translations``,
  ``/v1/audio/speech`` (``speech.py``), ``/v1/moderations``
  (``moderation.py``);
* Anthropic ``/v1/messages``, ``/v1/messages/count_tokens``, ``/v1/models``
  (when ``anthropic-version`` is sent);
* Gemini ``/v1beta/models`` and ``/{v1beta,v1}/models/{model}:generateContent``,
  ``:streamGenerateContent`` (``?alt=sse`` or a JSON array), ``:countTokens``;
* Ollama ``/api/chat`` (NDJSON unless ``"stream": false``), ``/api/tags``;
* Deepgram ``/v1/listen``; AssemblyAI ``/v2/upload``, ``/v2/transcript``,
  ``/v2/transcript/{id}``; ElevenLabs ``/v1/text-to-speech/{voice_id}`` (and
  ``/stream``);
* rerank (``rerank.py``): Cohere ``/v2/rerank`` and ``/v1/rerank``, Jina
  ``/jina/v1/rerank``, Voyage ``/voyage/v1/rerank``, TEI ``/tei/rerank``,
  Infinity ``/infinity/rerank``.

Deterministic answers (``answers.py`` holds the code):

* ``M`` = the last user message's text, stripped. Reply ``"Echo: " + M``
  (``"Echo:"`` when ``M`` is empty).
* A model whose name contains ``long`` (``sim-long``) appends
  ``" lorem1 … lorem200"``; ``sim:long=N`` inside ``M`` appends ``N`` words.
* Tools offered and ``M`` contains ``call <tool>`` (or the tool choice forces
  one): a call to that tool with arguments ``{"query": "<rest of M>"}``, or
  the JSON object the rest of ``M`` starts with (``call Bash {"command": "ls"}``)
  (``json.dumps`` default separators), stop reason "tool use" in the format's
  words. A conversation ending in tool results: ``"Tool said: <results>"``.
* A model whose name contains ``think`` first reasons ``"Thinking about: " + M``
  (Anthropic thinking block with signature, Gemini thought part, Responses
  reasoning item, ``reasoning_content`` for OpenAI chat, Ollama ``thinking``).
* Streams split every text at the regex ``\\s*\\S+``: ``"Echo: hi there"`` is
  ``"Echo:"``, ``" hi"``, ``" there"``; tool arguments stream the same way
  (Gemini and Ollama send a call whole, as they do for real).
* ``max_tokens`` (or the format's own name for it) caps the text chunks and
  ends with the "length" stop reason.
* Usage: prompt tokens = whitespace-separated words of every message (system
  and tool results included) + 3 per message; completion tokens = reasoning
  chunks + text chunks + tool-argument chunks. OpenAI streams report usage
  only with ``stream_options.include_usage``. Anthropic also counts its tool
  definitions (words of name, description and JSON schema).
* Anthropic prompt caching (``prompt_cache.py``): ``cache_control``
  breakpoints (at most 4; ``5m`` or ``1h``, longer first) write the prefix
  ending at them, per credential and model, once it reaches 1024 tokens
  (2048 for ``haiku`` models); a later request reads the longest live prefix
  found at its breakpoints or up to 20 blocks before them. ``usage`` splits
  the input into ``input_tokens``, ``cache_read_input_tokens`` and
  ``cache_creation_input_tokens`` (by TTL in ``cache_creation``).
* OpenAI automatic prompt caching (``automatic_cache.py``, chat and
  Responses): a prompt of 1024 tokens or more is cached per credential and
  model at every 128-token mark; ``cached_tokens`` is the longest live mark
  (5 minutes past its last use, 24 hours with
  ``prompt_cache_retention: "24h"``).

Control API under ``/_sim/`` (``control.py``): ``GET|POST|DELETE /_sim/faults``
(rules in ``faults.py``), ``GET|DELETE /_sim/calls``,
``GET|DELETE /_sim/prompt-cache``, ``GET /_sim/health``, and
``GET /_sim/files/{name}`` for generated images and uploads.
"""
