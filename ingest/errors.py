"""Errors raised while reading a file; each names the problem so a report can show it."""
from __future__ import annotations


class IngestError(Exception):
    """A file could not be turned into a document. `reason` is a short machine-readable code."""

    reason = "error"

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class UnsupportedFormat(IngestError):
    """The file's extension is not one we read; such files are skipped, not failed."""

    reason = "unsupported"


class EmptyFile(IngestError):
    """The file holds no bytes or no text."""

    reason = "empty"


class FileTooLarge(IngestError):
    """The file is over the configured size limit."""

    reason = "too_large"


class EncryptedFile(IngestError):
    """The PDF needs a password that was not given or was wrong."""

    reason = "encrypted"


class DamagedFile(IngestError):
    """The parser could not read the file; the message carries what it said."""

    reason = "damaged"


class NoTextLayer(IngestError):
    """The PDF has pages but no extractable text: a scan, and no OCR is available."""

    reason = "no_text"


class DecodeFailed(IngestError):
    """A text file could not be decoded in any supported encoding."""

    reason = "decode"


class TimedOut(IngestError):
    """Reading the file took longer than the per-file time limit."""

    reason = "timeout"
