"""Local sentence embeddings: all-MiniLM-L6-v2 running in NumPy (no PyTorch)."""

from omniroute.embedding.minilm import DIMENSION, MiniLMEncoder, model_dir

__all__ = ["DIMENSION", "MiniLMEncoder", "model_dir"]
