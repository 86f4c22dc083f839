"""Errors of the index layer, each naming what is wrong and where.

    CoopsearchError            anything the core refuses; the command line prints it and exits 2
    ├── IndexUnavailable       the index cannot be opened (the API answers 503)
    │   ├── IndexNotFound      no index in the folder
    │   ├── ModelMismatch      built with another embedding model (PrecisionMismatch: another precision)
    │   ├── BackendMismatch    built on another backend (embedded, milvus) or another Milvus collection
    │   ├── EngineUnavailable  the search engine (Milvus) cannot be reached or refuses a request
    │   └── CorruptIndex       a file is truncated, unreadable or disagrees with the manifest
    ├── IndexLocked            another ingest holds the write lock (409)
    ├── BadQuery               the query cannot be searched (422)
    ├── NotFound               no document or passage with that id (404)
    └── ModelLoadError         the embedding model cannot be loaded or is needed and absent
"""
from __future__ import annotations


class CoopsearchError(Exception):
    """Base class: something about the index, the query or the model prevents the operation."""


class IndexUnavailable(CoopsearchError):
    """The index cannot be opened for reading or writing."""


class IndexNotFound(IndexUnavailable):
    """No index exists at the given folder."""


class ModelMismatch(IndexUnavailable):
    """The index was built with a different embedding model than the one configured."""


class PrecisionMismatch(ModelMismatch):
    """The index's vectors were computed in another precision family (int8 against fp32/bf16/fp16)."""


class BackendMismatch(IndexUnavailable):
    """The index was built on another backend (or Milvus collection) than the one configured."""


class EngineUnavailable(IndexUnavailable):
    """The search engine behind the index (a Milvus server) cannot be reached or refused a request."""


class CorruptIndex(IndexUnavailable):
    """An index file is truncated, unreadable or disagrees with the manifest."""


class IndexLocked(CoopsearchError):
    """Another ingest holds the index's write lock."""


class BadQuery(CoopsearchError):
    """The query cannot be searched (empty, too long, or an unknown mode or filter)."""


class ModelLoadError(CoopsearchError):
    """The embedding model folder cannot be loaded, or a search needs the model and none was loaded."""


class NotFound(CoopsearchError, KeyError):
    """No document or passage with the given id (a KeyError too, for callers that look things up)."""

    def __str__(self) -> str:  # KeyError's own str() would quote the message
        return str(self.args[0]) if self.args else "not found"
