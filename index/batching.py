"""Batches for embedding: similar lengths together, tokenised by the Rust tokenizer straight into arrays,
prepared in worker threads ahead of the model so the forward pass never waits for them."""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import Any, TypeVar

import numpy as np

# WordPiece on English prose: about 4 characters a token. Only used to size batches before tokenising;
# truncation is the tokenizer's, on real tokens.
CHARS_PER_TOKEN = 4

Item = TypeVar("Item")
Result = TypeVar("Result")


def plan_batches(texts: Sequence[str], *, max_tokens: int, max_batch: int, max_length: int) -> list[np.ndarray]:
    """Split the indices of `texts` into batches of similar length, longest first.

    Each batch holds at most `max_batch` texts and about `max_tokens` padded tokens, judged from
    its first (longest) text, so short passages travel in large batches and long ones in small.
    """
    lengths = np.fromiter((len(text) for text in texts), dtype=np.int64, count=len(texts))
    order = np.argsort(-lengths, kind="stable")
    widths = np.minimum(lengths[order] // CHARS_PER_TOKEN + 2, max_length)  # +2: [CLS] and [SEP]
    batches: list[np.ndarray] = []
    start = 0
    while start < len(order):
        size = max(1, min(max_batch, max_tokens // max(1, int(widths[start]))))
        batches.append(order[start:start + size])
        start += size
    return batches


@dataclass(frozen=True)
class TokenArrays:
    """One batch as the model takes it: int64 arrays of shape (texts, padded length)."""

    input_ids: np.ndarray
    attention_mask: np.ndarray
    token_type_ids: np.ndarray

    def as_dict(self) -> dict[str, np.ndarray]:
        """The arrays by the names BERT-like models take them."""
        return {"input_ids": self.input_ids, "attention_mask": self.attention_mask,
                "token_type_ids": self.token_type_ids}


class ArrayTokenizer:
    """A Rust `tokenizers.Tokenizer` with truncation and padding set on it, returning numpy arrays.

    The whole batch is encoded in Rust (which releases the GIL, so threads run it in parallel);
    Python only copies each row's ids into the array.
    """

    def __init__(self, tokenizer: Any, *, max_length: int, pad_id: int, pad_token: str,
                 pad_to_multiple_of: int = 8) -> None:
        from tokenizers import Tokenizer

        # Our own copy: truncation and padding are settings of the object, shared with its owner otherwise.
        self._tokenizer = Tokenizer.from_str(tokenizer.to_str())
        self._tokenizer.enable_truncation(max_length)
        # Multiples of 8 keep tensor-core shapes and let batches of nearly equal length share a shape.
        self._tokenizer.enable_padding(pad_id=pad_id, pad_token=pad_token, pad_to_multiple_of=pad_to_multiple_of)
        # One text needs no padding: a query padded to a multiple of 8 ran up to 7 tokens more through the model.
        self._single = Tokenizer.from_str(tokenizer.to_str())
        self._single.enable_truncation(max_length)
        self._single.no_padding()

    @classmethod
    def from_transformers(cls, tokenizer: Any, max_length: int) -> ArrayTokenizer:
        """From a transformers fast tokenizer (what a sentence-transformers Transformer module holds)."""
        backend = getattr(tokenizer, "backend_tokenizer", None)
        if backend is None:
            raise TypeError(f"{type(tokenizer).__name__} has no Rust backend tokenizer")
        return cls(backend, max_length=max_length, pad_id=int(tokenizer.pad_token_id or 0),
                   pad_token=str(tokenizer.pad_token or "[PAD]"))

    def __call__(self, texts: Sequence[str]) -> TokenArrays:
        """Tokenise `texts` into padded arrays (encode_batch_fast: no character offsets, which we never use)."""
        encodings = self._tokenizer.encode_batch_fast(list(texts))
        input_ids = np.array([encoding.ids for encoding in encodings], dtype=np.int64)
        attention_mask = np.array([encoding.attention_mask for encoding in encodings], dtype=np.int64)
        return TokenArrays(input_ids, attention_mask, np.zeros_like(input_ids))

    def one(self, text: str) -> TokenArrays:
        """One text as a batch of one, unpadded (a query)."""
        input_ids = np.array([self._single.encode(text).ids], dtype=np.int64)
        return TokenArrays(input_ids, np.ones_like(input_ids), np.zeros_like(input_ids))


def prefetched(items: Sequence[Item], work: Callable[[Item], Result], *, threads: int,
               depth: int) -> Iterator[Result]:
    """Yield `work(item)` for each item, in the items' order, computed by `threads` worker threads.

    At most `depth` results are computed ahead of the consumer: enough to hide the work behind the
    consumer's, few enough to bound memory (each result is a batch of arrays).
    """
    with ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="embed-prepare") as pool:
        remaining = iter(items)
        pending: deque[Future[Result]] = deque(pool.submit(work, item) for item in islice(remaining, max(1, depth)))
        try:
            while pending:
                result = pending.popleft().result()
                for item in islice(remaining, 1):
                    pending.append(pool.submit(work, item))
                yield result
        finally:
            for future in pending:  # the consumer stopped early: don't prepare what nobody will read
                future.cancel()
