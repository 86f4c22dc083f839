"""Several API servers, one engine: two `coopsearch serve` processes over one index folder whose engine is
the session's Milvus Lite server on 127.0.0.1. Eight concurrent clients send a few hundred queries to both
while an upload and then a delete go through one of them: no request fails, and both servers see the
upload, then the removal (docs/deploy.md: what is shared and what is per process)."""
from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
from support import CORPUS, REPO

from edge.keys import KeyStore
from index.backends import BackendConfig
from index.build import IngestOptions, ingest_paths

WORD = "xylophonist"  # in no document of the corpus
QUERIES = ["technical cooperation", "experts from developing countries", "talent bank", "consultants",
           "South-South cooperation", "information referral system"]
CLIENTS, QUERIES_PER_CLIENT = 8, 40


def _serve(index: Path, model: Path, uri: str, log: Path) -> tuple[subprocess.Popen, str]:
    from milvus_support import free_port

    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COOPSEARCH_BACKEND": "milvus", "COOPSEARCH_MILVUS_URI": uri,
           "COOPSEARCH_RATE_LIMIT_PER_S": "0", "COOPSEARCH_WORKERS": "1"}
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "search_api.cli", "serve", "--host", "127.0.0.1", "--port",
                                   str(port), "--index", str(index), "--corpus", str(CORPUS), "--model", str(model)],
                                  cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    return server, f"http://127.0.0.1:{port}"


def _wait_ready(server: subprocess.Popen, base: str, log: Path, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()[-3000:]
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base + "/api/v1/ready", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise AssertionError(f"{base} not ready: {log.read_text()[-3000:]}")


async def _readers(bases: list[str], statuses: Counter, failures: list[str]) -> None:
    async def one(n: int, client: httpx.AsyncClient) -> None:
        for i in range(QUERIES_PER_CLIENT):
            base = bases[(n + i) % len(bases)]
            params = {"q": QUERIES[(n + i) % len(QUERIES)], "mode": ("hybrid", "keyword", "semantic")[i % 3]}
            try:
                response = await client.get(base + "/api/v1/search", params=params)
                statuses[response.status_code] += 1
                if response.status_code != 200:
                    failures.append(f"{base} {params}: {response.status_code} {response.text[:200]}")
            except httpx.HTTPError as exc:
                failures.append(f"{base} {params}: {type(exc).__name__}")

    async with httpx.AsyncClient(timeout=120) as client:
        await asyncio.gather(*(one(n, client) for n in range(CLIENTS)))


async def _write_through_first(bases: list[str], key: str, seen: dict) -> None:
    headers = {"X-API-Key": key}
    text = f"# Orchestra cooperation\n\nThe {WORD} programme shares experts among developing countries.\n"
    async with httpx.AsyncClient(timeout=120) as client:
        accepted = await client.post(bases[0] + "/api/v1/documents", headers=headers,
                                     files={"files": ("orchestra-notes.md", text.encode(), "text/markdown")})
        assert accepted.status_code == 202, accepted.text
        while (job := (await client.get(bases[0] + accepted.json()["url"], headers=headers)).json()
               )["progress"]["stage"] != "finished":
            await asyncio.sleep(0.2)
        seen["job"] = job
        doc_id = job["files"][0]["document_id"]

        async def found(base: str) -> list[str]:
            body = (await client.get(base + "/api/v1/search", params={"q": WORD, "mode": "keyword"})).json()
            return [r["document"]["id"] for r in body["results"]]

        seen["after_upload"] = [await found(base) for base in bases]
        removed = await client.delete(bases[0] + f"/api/v1/documents/{doc_id}", headers=headers)
        seen["delete_status"] = removed.status_code
        seen["after_delete"] = [await found(base) for base in bases]
        seen["doc_id"] = doc_id


async def _load(bases: list[str], key: str) -> tuple[Counter, list[str], dict]:
    statuses: Counter = Counter()
    failures: list[str] = []
    seen: dict = {}
    await asyncio.gather(_readers(bases, statuses, failures), _write_through_first(bases, key, seen))
    return statuses, failures, seen


def test_two_servers_share_one_milvus_under_load_while_one_uploads_and_deletes(
        tmp_path: Path, milvus_uri: str, tiny_embedder, tiny_model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    index = tmp_path / "site" / "index"
    ingest_paths(index, [CORPUS], tiny_embedder, IngestOptions(workers=1, backend=BackendConfig("milvus", milvus_uri)))
    _, key = KeyStore(index.parent / "api-keys.json").create("two servers writer", "write")  # shared keys file
    servers = [_serve(index, tiny_model_dir, milvus_uri, tmp_path / f"serve-{n}.log") for n in range(2)]
    try:
        for (server, base), n in zip(servers, range(2), strict=True):
            _wait_ready(server, base, tmp_path / f"serve-{n}.log")
        statuses, failures, seen = asyncio.run(_load([base for _, base in servers], key))
    finally:
        for server, _ in servers:
            server.terminate()
            server.wait(timeout=30)
    assert failures == [] and statuses == Counter({200: CLIENTS * QUERIES_PER_CLIENT}), failures[:5]
    assert seen["job"]["status"] == "done"
    assert seen["after_upload"] == [[seen["doc_id"]], [seen["doc_id"]]]  # the upload, seen by both servers
    assert seen["delete_status"] == 200 and seen["after_delete"] == [[], []]
