"""Passages through a sentence-transformers model in torch, at the hardware's pace.

Batches of similar length are tokenised in worker threads while the model runs the previous one;
on CUDA the arrays go through pinned host memory and are copied without blocking, and the vectors
stay on the GPU until the end, so the GPU never waits for Python.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from index.batching import ArrayTokenizer, TokenArrays, plan_batches, prefetched


@dataclass(frozen=True)
class BatchPlan:
    """How passages are grouped: at most `max_batch` texts and about `max_tokens` padded tokens a batch;
    `threads` tokenise ahead of the model."""

    max_tokens: int
    max_batch: int
    threads: int


def plan_for(device: str, *, batch_size: int | None = None, threads: int = 1) -> BatchPlan:
    """Batches sized to the device.

    On a GPU, large batches keep it busy (measured on an H100: 1,024 passages a batch ran at 3.4x the
    speed of 32; ../shared/notes/gpu-embedding.md); the token budget scales with the GPU's memory so a
    small card is not asked for more than it has. On the CPU, small batches: a larger one is no faster
    and holds more memory.
    """
    if device.startswith("cuda"):
        import torch

        gib = torch.cuda.get_device_properties(torch.device(device)).total_memory / 2**30
        # MiniLM-sized models need about 40 KB of activations a token in fp16; 2**18 tokens fit in 16 GiB.
        max_tokens = int(min(2**18, max(2**14, 2**18 * gib / 16)))
        return BatchPlan(max_tokens=max_tokens, max_batch=batch_size or 1024, threads=max(2, threads))
    return BatchPlan(max_tokens=(batch_size or 32) * 256, max_batch=batch_size or 32, threads=1)


def supports_fast_path(model: Any) -> bool:
    """True when the model starts with a transformer module whose tokenizer is a Rust one."""
    first = model[0] if len(model) else None
    tokenizer = getattr(first, "tokenizer", None)
    return hasattr(first, "max_seq_length") and getattr(tokenizer, "backend_tokenizer", None) is not None


def embedding_dimension(model: Any) -> int:
    """Length of the model's vectors (sentence-transformers renamed the method in 6.x)."""
    method = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(method())


class TorchPassageEncoder:
    """Embeds passages with `model` (a SentenceTransformer already on its device and in its dtype)."""

    def __init__(self, model: Any, device: str, plan: BatchPlan) -> None:
        transformer = model[0]
        self.model = model
        self.device = device
        self.plan = plan
        self.max_length = int(transformer.max_seq_length)
        self.tokenize = ArrayTokenizer.from_transformers(transformer.tokenizer, self.max_length)
        self.dimension = embedding_dimension(model)

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        """L2-normalised float32 rows in the order of `texts`."""
        import torch
        from tqdm import tqdm

        batches = plan_batches(texts, max_tokens=self.plan.max_tokens, max_batch=self.plan.max_batch,
                               max_length=self.max_length)
        pin = self.device.startswith("cuda")

        def prepare(rows: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
            arrays: TokenArrays = self.tokenize([texts[i] for i in rows])
            tensors = {name: torch.from_numpy(array) for name, array in arrays.as_dict().items()}
            if pin:  # page-locked memory lets the copy to the GPU run while the GPU computes
                tensors = {name: tensor.pin_memory() for name, tensor in tensors.items()}
            return rows, tensors

        out = torch.empty((len(texts), self.dimension), dtype=torch.float32, device=self.device)
        with torch.inference_mode(), tqdm(total=len(texts), unit="passage", disable=not show_progress,
                                          desc="embed") as bar:
            for rows, tensors in prefetched(batches, prepare, threads=self.plan.threads,
                                            depth=2 * self.plan.threads):
                features = {name: tensor.to(self.device, non_blocking=pin) for name, tensor in tensors.items()}
                vectors = self.model(features)["sentence_embedding"].float()
                index = torch.from_numpy(rows).to(self.device, non_blocking=pin)
                out[index] = torch.nn.functional.normalize(vectors, dim=1)
                bar.update(len(rows))
        return out.cpu().numpy()
