"""The CPU's fast path: the model exported to ONNX (fp32, or int8 quantised per channel) run by ONNX Runtime.

The export is built once from the weights already on disk (no network) and cached by the model's
fingerprint; later processes load the cached file. Mean pooling and normalisation are part of the
exported graph, so a session returns finished vectors.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.batching import ArrayTokenizer, plan_batches, prefetched
from index.errors import ModelLoadError

ONNX_PRECISIONS = ("fp32", "int8")
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17
# Part of each cached file's name: a change to the export or the quantisation recipe bumps it, so files
# built by an older recipe are never reused.
RECIPE = 2


def default_cache_dir() -> Path:
    """Where exported models are kept unless the caller says otherwise: ~/.cache/coopsearch/onnx."""
    return Path.home() / ".cache" / "coopsearch" / "onnx"


def exportable(model: Any) -> bool:
    """True for a transformer followed by mean pooling (and optionally Normalize): what the graph reproduces."""
    if len(model) < 2 or not hasattr(model[0], "auto_model"):
        return False
    return getattr(model[1], "pooling_mode", None) == "mean" and all(
        type(module).__name__ == "Normalize" for module in list(model)[2:])


def onnx_path(model: Any, fingerprint: str, precision: str, cache_dir: Path) -> Path:
    """The cached ONNX file for `model` in `precision`, exporting (and quantising) it on first use.

    Safe when several processes start at once: one builds under a file lock, the others wait and reuse.
    """
    from filelock import FileLock

    if precision not in ONNX_PRECISIONS:
        raise ModelLoadError(f"ONNX runs {' or '.join(ONNX_PRECISIONS)}, not {precision!r}")
    if not exportable(model):
        raise ModelLoadError("only a transformer with mean pooling can be exported to ONNX; "
                             f"this model is {[type(module).__name__ for module in model]}")
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"{fingerprint}-{precision}-r{RECIPE}.onnx"
    if path.exists():
        return path
    with FileLock(str(cache_dir / f"{fingerprint}.lock")):
        fp32 = cache_dir / f"{fingerprint}-fp32-r{RECIPE}.onnx"
        if not fp32.exists():
            _atomically(fp32, lambda tmp: export_fp32(model, tmp))
        if precision == "int8" and not path.exists():
            _atomically(path, lambda tmp: quantize_int8(fp32, tmp))
    return path


def _atomically(path: Path, build: Any) -> None:
    """Build into a temporary name, then rename: a crash never leaves a half-written model in the cache."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        build(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def export_fp32(model: Any, target: Path) -> None:
    """Export the transformer, mean pooling and normalisation as one fp32 graph with dynamic batch and length."""
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self, transformer: torch.nn.Module) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                    token_type_ids: torch.Tensor) -> torch.Tensor:
            hidden = self.transformer(input_ids=input_ids, attention_mask=attention_mask,
                                      token_type_ids=token_type_ids).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=1)

    transformer = model[0].auto_model
    if next(transformer.parameters()).dtype != torch.float32 or next(transformer.parameters()).device.type != "cpu":
        raise ModelLoadError("export the ONNX model from the fp32 model on the CPU")
    example = tuple(torch.ones((2, 8), dtype=torch.long) for _ in INPUT_NAMES)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUT_NAMES} | {"sentence_embedding": {0: "batch"}}
    with warnings.catch_warnings(), torch.inference_mode():
        # The TorchScript exporter: 3x faster than the dynamo one here and writes one self-contained file.
        warnings.simplefilter("ignore")
        torch.onnx.export(Pooled(transformer).eval(), example, str(target), input_names=list(INPUT_NAMES),
                          output_names=["sentence_embedding"], dynamic_axes=axes,
                          opset_version=OPSET, dynamo=False)


def quantize_int8(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation of the weights, one scale per output channel (activations stay float)."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(max(logging.getLogger().level, logging.ERROR))  # its pre-processing hint
    # reduce_range (7-bit weights) avoids the saturation of int8 products on CPUs without VNNI; measured on
    # 200 real passages: mean cosine to fp32 0.9923 against 0.9914 without it.
    quantize_dynamic(str(source), str(target), per_channel=True, reduce_range=True, weight_type=QuantType.QInt8)


class OnnxEncoder:
    """Runs an exported model in ONNX Runtime on `threads` CPU threads; rows in the caller's order."""

    def __init__(self, path: Path, tokenizer: ArrayTokenizer, *, dimension: int, threads: int, max_length: int,
                 batch_size: int = 32, spin: bool = True) -> None:
        """`spin`: the worker threads busy-wait between parallel steps (ONNX Runtime's default). Without it
        they sleep: a little slower on idle cores, much faster when the cores are shared (a thread that
        spins holds a core another thread, or the next step's own worker, is waiting for)."""
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        if not spin:
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # a damaged cache file: say which, so it can be deleted
            raise ModelLoadError(f"cannot load ONNX model {path}: {exc}; delete it to rebuild it") from exc
        self.tokenize = tokenizer
        self.threads = max(1, threads)
        self.max_length = max_length
        self.batch_size = batch_size
        self.dimension = dimension

    def encode_one(self, text: str) -> np.ndarray:
        """One text's vector, on the calling thread: no batching, no padding, no worker thread to hand over
        to (a search is waiting; measured on a busy 2-core machine, the handover and padding cost half the
        time of the model itself)."""
        vector: np.ndarray = self.session.run(None, self.tokenize.one(text).as_dict())[0][0]
        return vector

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        """L2-normalised float32 rows; the next batch is tokenised while this one runs."""
        from tqdm import tqdm

        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        batches = plan_batches(texts, max_tokens=self.batch_size * self.max_length, max_batch=self.batch_size,
                               max_length=self.max_length)

        def prepare(rows: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
            return rows, self.tokenize([texts[i] for i in rows]).as_dict()

        with tqdm(total=len(texts), unit="passage", desc="embed", disable=not show_progress) as bar:
            for rows, feeds in prefetched(batches, prepare, threads=1, depth=2):
                out[rows] = self.session.run(None, feeds)[0]
                bar.update(len(rows))
        return out
