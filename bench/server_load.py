"""A server under use: C clients for S seconds over the pages and the API while an upload job and a removal run.

    python bench/server_load.py                        # 8 clients, 60 s, on a copy of bench/.cache/load-index
    python bench/server_load.py --seconds 12 --index IDX --corpus DIR --model TINY   # what the test runs

It starts `coopsearch serve` on 127.0.0.1 over a temporary copy of --index (built from --corpus with the
bundled model when missing), with the rate limit on for loopback too (COOPSEARCH_RATE_LIMIT_LOOPBACK=true,
the default 20 requests/s per client), so every client may meet a 429. Each client cycles through the
search page, a document page, similar passages, the CSV and JSON exports, the Atom feed, GET and POST
searches, the document list, statistics, a static file and /docs. Meanwhile a writer with a write key
uploads a file holding a word found nowhere else, polls its job until it says done, searches for the
word at once (it must be found), then deletes the document (it must be gone). Prints a table and writes
bench/results/server_load.json; exits 1 when a request failed with anything but 429, or the upload was
not searchable when its job said done.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from load import serve_and_wait  # bench/ is on the path when this script runs

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results" / "server_load.json"
WORD = "xylophonist"  # in no document of the corpus


def paths(doc_id: str, chunk_id: int) -> list[tuple[str, str, dict | None]]:
    """The reader's mix: (method, path with query, JSON body)."""
    return [("GET", "/?q=technical+cooperation", None), ("GET", f"/documents/{doc_id}", None),
            ("GET", f"/chunks/{chunk_id}/similar", None), ("GET", "/export.csv?q=experts&mode=keyword", None),
            ("GET", "/export.json?q=developing+countries", None), ("GET", "/feed.atom?q=cooperation", None),
            ("GET", "/api/v1/search?q=consultants&mode=hybrid", None),
            ("POST", "/api/v1/search", {"q": "experts from developing countries", "k": 5, "facets": True}),
            ("GET", "/api/v1/documents?limit=20", None), ("GET", "/api/v1/stats", None),
            ("GET", "/static/style.css", None), ("GET", "/docs", None)]


async def reader(client: httpx.AsyncClient, mix: list, until: float, statuses: Counter, failures: list) -> None:
    """One client cycling through the mix until the time is up."""
    index = 0
    while time.monotonic() < until:
        method, path, body = mix[index % len(mix)]
        index += 1
        try:
            response = await client.request(method, path, json=body)
            statuses[response.status_code] += 1
            if response.status_code not in (200, 429):
                failures.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
            elif response.status_code == 429:
                await asyncio.sleep(float(response.headers.get("retry-after", "1")))
        except httpx.HTTPError as exc:
            statuses[0] += 1
            failures.append(f"{method} {path}: {type(exc).__name__}")


async def writer(client: httpx.AsyncClient, key: str, report: dict) -> None:
    """Upload, wait for the job, search for its word at once, delete, check it is gone."""
    headers = {"X-API-Key": key}
    text = f"# Orchestra cooperation\n\nThe {WORD} programme shares experts among developing countries.\n"
    started = time.monotonic()
    accepted = await client.post("/api/v1/documents", headers=headers,
                                 files={"files": ("orchestra-notes.md", text.encode(), "text/markdown")})
    report["upload_status"] = accepted.status_code
    if accepted.status_code != 202:
        report["upload_error"] = accepted.text[:300]
        return
    while True:
        job = (await client.get(accepted.json()["url"], headers=headers)).json()
        if job.get("progress", {}).get("stage") == "finished":
            break
        await asyncio.sleep(0.2)
    report["job_seconds"] = round(time.monotonic() - started, 2)
    report["job"] = {"status": job["status"], "files": job["files"]}
    found = (await client.get("/api/v1/search", headers=headers, params={"q": WORD, "mode": "keyword"})).json()
    doc_id = job["files"][0].get("document_id")
    report["searchable_when_done"] = bool(found.get("results")) and found["results"][0]["document"]["id"] == doc_id
    removed = await client.delete(f"/api/v1/documents/{doc_id}", headers=headers)
    report["delete_status"] = removed.status_code
    gone = (await client.get("/api/v1/search", headers=headers, params={"q": WORD, "mode": "keyword"})).json()
    report["gone_after_delete"] = not gone.get("results")


async def run(base: str, key: str, clients: int, seconds: float) -> dict:
    """The readers and the writer together; returns the counts."""
    async with httpx.AsyncClient(base_url=base, timeout=120) as probe:
        doc_id = (await probe.get("/api/v1/documents?limit=1")).json()["documents"][0]["id"]
        chunk_id = (await probe.get(f"/api/v1/documents/{doc_id}/chunks?limit=1")).json()["chunks"][0]["chunk_id"]
    mix = paths(doc_id, chunk_id)
    statuses: Counter = Counter()
    failures: list[str] = []
    write_report: dict = {}
    until = time.monotonic() + seconds
    started = time.monotonic()
    limits = httpx.Limits(max_connections=clients + 2)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        await asyncio.gather(*(reader(client, mix[i:] + mix[:i], until, statuses, failures) for i in range(clients)),
                             writer(client, key, write_report))
    return {"seconds": round(time.monotonic() - started, 1), "statuses": dict(sorted(statuses.items())),
            "requests": sum(statuses.values()), "errors": len(failures), "failures": failures[:20],
            "writer": write_report}


def main(argv: list[str] | None = None) -> int:
    """Run the load and report; 1 when anything but 429 went wrong."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--index", type=Path, default=BENCH / ".cache" / "load-index",
                        help="index to copy (built from --corpus when missing)")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--model", type=Path, help="model folder (default: the bundled all-MiniLM-L6-v2)")
    parser.add_argument("--startup-seconds", type=float, default=900.0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="server-load-") as tmp:
        index = Path(tmp) / "index"
        if args.index.exists():
            shutil.copytree(args.index, index, ignore=shutil.ignore_patterns(".lock"))
        from edge.keys import KeyStore

        _, key = KeyStore(index.parent / "api-keys.json").create("server_load writer", "write")
        server, base = serve_and_wait(index, args.corpus, args.model, {"COOPSEARCH_RATE_LIMIT_LOOPBACK": "true"},
                                      Path(tmp) / "serve.log", args.startup_seconds, "server_load.py")
        try:
            result = asyncio.run(run(base, key, args.clients, args.seconds))
        finally:
            server.terminate()
            server.wait(timeout=30)
    writer_ok = result["writer"].get("searchable_when_done") and result["writer"].get("gone_after_delete")
    result.update({"clients": args.clients, "ok": result["errors"] == 0 and bool(writer_ok),
                   "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                               "load_average": os.getloadavg()}})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{args.clients} clients, {result['seconds']} s: {result['requests']} requests, statuses "
          f"{result['statuses']}, errors (not 429) {result['errors']}")
    print(f"upload job: {result['writer'].get('job', {}).get('status')} in {result['writer'].get('job_seconds')} s, "
          f"searchable when done: {result['writer'].get('searchable_when_done')}, "
          f"delete: {result['writer'].get('delete_status')}, gone after: {result['writer'].get('gone_after_delete')}")
    for failure in result["failures"]:
        print("  " + failure)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
