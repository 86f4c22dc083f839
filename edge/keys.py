"""API keys: random tokens, stored only as sha256 hashes in a small JSON file, each with a scope.

A token reads `csk_<id>_<secret>`: the id finds the entry, the hash of the whole token must match.
The tokens carry 256 random bits, so a fast hash is enough (no password-style stretching needed).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock

SCOPES = ("read", "write")
PREFIX = "csk"


@dataclass(frozen=True)
class ApiKey:
    """One stored key: never the token, only its hash."""

    id: str
    name: str
    scope: str
    sha256: str
    created_at: str
    revoked_at: str | None = None
    rate_per_s: float | None = None  # the key's own rate limit (a portal proxying many users); None: the default
    burst: int | None = None

    @property
    def active(self) -> bool:
        """False once revoked."""
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        """`write` implies `read`."""
        return self.active and (self.scope == "write" or scope == "read")


def hash_token(token: str) -> str:
    """Hex sha256 of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class KeyStore:
    """The keys file: created by the CLI, read by the server (re-read when the file changes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cache: tuple[int, dict[str, ApiKey]] | None = None
        self._lock = threading.Lock()

    def create(self, name: str, scope: str, rate_per_s: float | None = None,
               burst: int | None = None) -> tuple[ApiKey, str]:
        """Make a key (with its own rate limit if given); returns it with its token, shown once and never stored."""
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}, got {scope!r}")
        if (rate_per_s is not None and rate_per_s < 0) or (burst is not None and burst < 1):
            raise ValueError("a key's rate must be 0 (no limit) or more, and its burst 1 or more")
        with self._write_lock():
            keys = self._read()
            key_id = secrets.token_hex(4)
            while key_id in keys:
                key_id = secrets.token_hex(4)
            token = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
            key = ApiKey(id=key_id, name=name, scope=scope, sha256=hash_token(token), created_at=_now(),
                         rate_per_s=rate_per_s, burst=burst)
            keys[key_id] = key
            self._write(keys)
        return key, token

    def revoke(self, key_id: str) -> ApiKey | None:
        """Mark a key revoked; None when no key has this id."""
        with self._write_lock():
            keys = self._read()
            key = keys.get(key_id)
            if key is None:
                return None
            if key.active:
                key = keys[key_id] = replace(key, revoked_at=_now())
                self._write(keys)
        return key

    def list_keys(self) -> list[ApiKey]:
        """All keys, revoked ones included, oldest first."""
        return sorted(self._read().values(), key=lambda k: (k.created_at, k.id))

    def verify(self, token: str) -> ApiKey | None:
        """The active key this token belongs to, or None."""
        parts = token.split("_")
        if len(parts) < 3 or parts[0] != PREFIX:
            return None
        key = self._current().get(parts[1])
        if key is None or not key.active:
            return None
        return key if hmac.compare_digest(key.sha256, hash_token(token)) else None

    def _current(self) -> dict[str, ApiKey]:
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return {}
        cached = self._cache
        if cached is not None and cached[0] == mtime:
            return cached[1]
        with self._lock:
            keys = self._read()
            self._cache = (mtime, keys)
            return keys

    def _read(self) -> dict[str, ApiKey]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError as exc:
            raise ValueError(f"API keys file {self.path} is not valid JSON: {exc}") from exc
        return {entry["id"]: ApiKey(**entry) for entry in raw.get("keys", [])}

    def _write(self, keys: dict[str, ApiKey]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        data = {"version": 1, "keys": [asdict(k) for k in sorted(keys.values(), key=lambda k: k.created_at)]}
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    def _write_lock(self) -> FileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.path) + ".lock", timeout=10)
