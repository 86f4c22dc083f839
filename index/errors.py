"""Errors of the index layer, each naming what is wrong and where."""
from __future__ import annotations


class IndexError_(Exception):
    """Base class: something about the index prevents the operation."""


class IndexNotFound(IndexError_):
    """No index exists at the given folder."""


class ModelMismatch(IndexError_):
    """The index was built with a different embedding model than the one configured."""


class PrecisionMismatch(ModelMismatch):
    """The index's vectors were computed in another precision family (int8 against fp32/bf16/fp16)."""


class CorruptIndex(IndexError_):
    """An index file is truncated, unreadable or disagrees with the manifest."""


class IndexLocked(IndexError_):
    """Another ingest holds the index's write lock."""


class BadQuery(IndexError_):
    """The query cannot be searched (empty, too long, or an unknown mode or filter)."""


class ModelLoadError(IndexError_):
    """The embedding model folder cannot be loaded."""
