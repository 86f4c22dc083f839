"""Load on the HTTP API: N requests at concurrency C to a `coopsearch serve` on 127.0.0.1 only.

    python bench/load.py                          # start `coopsearch serve` over corpus/, 400 requests, concurrency 8
    python bench/load.py -n 1000 -c 16 --max-seconds 120
    python bench/load.py --url http://127.0.0.1:8000   # a server already running (loopback addresses only)

Without --url it starts `coopsearch serve --host 127.0.0.1` on a free port with the index in
bench/.cache/load-index (built from --corpus with the bundled model the first time) and the rate
limit off (COOPSEARCH_RATE_LIMIT_PER_S=0): this measures the search, not the limiter. The request
mix cycles through the cooperation queries of bench/coop_queries.jsonl, each made new by the
request's number (so the server's query-embedding cache never answers; --repeat-queries sends them
as they are): GET /search in each mode, POST /search with facets, the document list and the statistics.
The server inherits this process's environment (e.g. OMP_NUM_THREADS). The run stops after N requests or
--max-seconds, whichever comes first. Prints a table (p50/p95/p99 latency, errors, requests/s, overall
and per kind of request) and writes bench/results/load.json.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import platform
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results" / "load.json"
QUERIES = BENCH / "coop_queries.jsonl"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# (kind, share of requests out of 20)
MIX = [("search hybrid", 6), ("search semantic", 4), ("search keyword", 4), ("search POST facets", 3),
       ("documents", 2), ("stats", 1)]
FALLBACK_QUERIES = ["talent bank database", "what is triangular cooperation", "technical cooperation among "
                    "developing countries", "experts from developing countries", "South-South cooperation"]


@dataclass(frozen=True)
class Sample:
    """One request's outcome."""

    kind: str
    status: int  # 0: no answer (connection error or client timeout)
    ms: float


def load_queries(path: Path) -> list[str]:
    """The benchmark queries, or a few built-in ones when the file is absent."""
    if not path.exists():
        return FALLBACK_QUERIES
    return [json.loads(line)["query"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def requests_plan(queries: list[str], fresh: bool = True) -> Iterator[tuple[str, str, str, dict]]:
    """An endless sequence of (kind, method, path, params or json body), following MIX.

    `fresh` makes every query text new (the request's number appended), so that the server's cache of
    query embeddings never answers and each search pays for its embedding, as new users' queries do.
    """
    kinds = [kind for kind, share in MIX for _ in range(share)]
    for number, kind in enumerate(itertools.cycle(kinds)):
        query = queries[number % len(queries)] + (f" {number}" if fresh else "")
        if kind.startswith("search POST"):
            yield kind, "POST", "/api/v1/search", {"q": query, "k": 10, "facets": True}
        elif kind.startswith("search"):
            yield kind, "GET", "/api/v1/search", {"q": query, "k": 10, "mode": kind.split()[1]}
        elif kind == "documents":
            yield kind, "GET", "/api/v1/documents", {"limit": 20}
        else:
            yield kind, "GET", "/api/v1/stats", {}


async def run_load(base: str, total: int, concurrency: int, max_seconds: float, queries: list[str],
                   fresh: bool = True, timeout_s: float = 60.0) -> tuple[list[Sample], float]:
    """Send up to `total` requests with `concurrency` in flight; returns the samples and the wall time."""
    plan = requests_plan(queries, fresh)
    samples: list[Sample] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout_s) as client:
        for kind, method, path, data in itertools.islice(requests_plan(["warm up"]), len(MIX) * 2):  # warm-up
            await _send(client, kind, method, path, data)
        started = time.perf_counter()
        deadline = started + max_seconds
        issued = 0

        async def worker() -> None:
            nonlocal issued
            while issued < total and time.perf_counter() < deadline:
                issued += 1
                samples.append(await _send(client, *next(plan)))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return samples, time.perf_counter() - started


async def _send(client: httpx.AsyncClient, kind: str, method: str, path: str, data: dict) -> Sample:
    started = time.perf_counter()
    try:
        if method == "POST":
            response = await client.post(path, json=data)
        else:
            response = await client.get(path, params=data)
        status = response.status_code
    except httpx.HTTPError:
        status = 0
    return Sample(kind, status, (time.perf_counter() - started) * 1000)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summarise(samples: list[Sample], seconds: float) -> dict:
    """Latency percentiles, errors and throughput of a set of samples."""
    ms = [s.ms for s in samples]
    errors = [s for s in samples if not 200 <= s.status < 300]
    statuses: dict[str, int] = {}
    for sample in errors:
        statuses[str(sample.status)] = statuses.get(str(sample.status), 0) + 1
    return {"requests": len(samples), "errors": len(errors), "error_statuses": statuses,
            "p50_ms": round(percentile(ms, 50), 2), "p95_ms": round(percentile(ms, 95), 2),
            "p99_ms": round(percentile(ms, 99), 2), "mean_ms": round(sum(ms) / len(ms), 2) if ms else 0.0,
            "max_ms": round(max(ms), 2) if ms else 0.0,
            "requests_per_s": round(len(samples) / seconds, 2) if seconds > 0 else 0.0}


def print_table(overall: dict, by_kind: dict[str, dict]) -> None:
    """The human summary."""
    header = f"{'requests':<22}{'n':>6}{'errors':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}{'req/s':>9}"
    print(header)
    print("-" * len(header))
    for name, row in [*by_kind.items(), ("all", overall)]:
        print(f"{name:<22}{row['requests']:>6}{row['errors']:>8}{row['p50_ms']:>10.1f}{row['p95_ms']:>10.1f}"
              f"{row['p99_ms']:>10.1f}{row['max_ms']:>10.1f}{row['requests_per_s']:>9.1f}")


def check_loopback(url: str) -> str:
    """The URL without a trailing slash, if it names this machine; SystemExit otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK:
        raise SystemExit(f"load.py: refusing {url!r}: only http://127.0.0.1, localhost or [::1] may be loaded")
    return url.rstrip("/")


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_and_wait(index: Path, corpus: Path, model: Path | None, env: dict[str, str], log: Path,
                   startup_s: float, name: str = "load.py") -> tuple[subprocess.Popen, str]:
    """`coopsearch serve` on a free port of 127.0.0.1 (building its index first when missing), with `env`
    added to this process's; waits until it is ready and returns it and its URL (SystemExit otherwise)."""
    port = free_port()
    command = [sys.executable, "-m", "search_api.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--index", str(index), "--corpus", str(corpus)] + (["--model", str(model)] if model else [])
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:  # the child keeps its own copy of the descriptor
        server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1", **env},
                                  stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + startup_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"{name}: the server exited ({server.returncode}); see {log}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base + "/api/v1/ready", timeout=2).status_code == 200:
                return server, base
        time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"{name}: the server was not ready within {startup_s:g} s; see {log}")


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen, str]:
    """The load test's server: rate limit off, so the figures measure the server, not the limiter."""
    return serve_and_wait(args.index, args.corpus, args.model, {"COOPSEARCH_RATE_LIMIT_PER_S": "0"},
                          args.index.parent / "load-serve.log", args.startup_seconds)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--requests", type=int, default=400, help="requests to send (default 400)")
    parser.add_argument("-c", "--concurrency", type=int, default=8, help="requests in flight (default 8)")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="stop sending after this long")
    parser.add_argument("--url", help="a running server on this machine (default: start one)")
    parser.add_argument("--repeat-queries", action="store_true",
                        help="send the benchmark queries as they are, so repeats hit the server's query-embedding "
                             "cache (default: every query new)")
    parser.add_argument("--index", type=Path, default=BENCH / ".cache" / "load-index", help="index of the started server")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="folder it is built from when missing")
    parser.add_argument("--model", type=Path, help="model folder (default: the bundled all-MiniLM-L6-v2)")
    parser.add_argument("--startup-seconds", type=float, default=900.0, help="wait this long for the server")
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON results file")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 100_000 or not 1 <= args.concurrency <= 256:
        parser.error("--requests must be 1..100000 and --concurrency 1..256")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its results."""
    args = parse_args(argv)
    server = None
    base = check_loopback(args.url) if args.url else None
    try:
        if base is None:
            server, base = start_server(args)
        health = httpx.get(base + "/api/v1/health", timeout=10).json()
        samples, seconds = asyncio.run(run_load(base, args.requests, args.concurrency, args.max_seconds,
                                                load_queries(QUERIES), not args.repeat_queries))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    kinds = [kind for kind, _ in MIX]
    by_kind = {kind: summarise([s for s in samples if s.kind == kind], seconds) for kind in kinds}
    overall = summarise(samples, seconds)
    print(f"{overall['requests']} requests ({'repeated' if args.repeat_queries else 'fresh'} queries) "
          f"at concurrency {args.concurrency} in {seconds:.1f} s against {base} "
          f"({health.get('documents')} documents, {health.get('chunks')} passages, model {health.get('model')})")
    print_table(overall, by_kind)
    result = {"generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "config": {"requests": args.requests, "concurrency": args.concurrency, "max_seconds": args.max_seconds,
                         "started_server": server is not None, "rate_limit": "off" if server else "server's",
                         "queries": "repeated" if args.repeat_queries else "fresh",
                         "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
                         "mix": dict(MIX)},
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
              "server": health, "seconds": round(seconds, 3), "overall": overall, "by_kind": by_kind}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
