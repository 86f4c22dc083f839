"""Two checkouts' servers on one index, timed query by query: a paired HTTP latency comparison.

On a shared machine the load changes between two runs of bench/speed.py by more than a change to the search
path gains (a p50 moves by 2 ms from one run to the next). Here both checkouts serve the same index at once;
each query of the latency bench's pool goes to one and then the other (who goes first alternates), one
request at a time over keep-alive connections, so both see the same load. Prints each side's HTTP p50 and
engine p50 (took_ms), the median of the per-query differences, and whether every answer was the same (the
JSON with took_ms and the server's own address left out).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/http_pair.py /path/to/base-checkout /path/to/new-checkout \\
        --index bench/.cache/speed/full/real-index --queries 300
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import speed  # the bench's query pool and free ports


def _serve(checkout: Path, index: Path, log: Path) -> tuple[subprocess.Popen, int]:
    port = speed.free_port()
    env = {**os.environ, "COOPSEARCH_RATE_LIMIT_PER_S": "0", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(checkout)}
    process = subprocess.Popen([sys.executable, "-m", "search_api.cli", "serve", "--index", str(index), "--host",
                                "127.0.0.1", "--port", str(port)], cwd=checkout, env=env,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server of {checkout} exited; see {log}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", "/api/v1/health")
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"the server of {checkout} was not ready in 600 s")


def _ask(connection: http.client.HTTPConnection, port: int, query: str) -> tuple[float, float, Any]:
    """(HTTP ms, took_ms, the answer without took_ms and the server's address)."""
    started = time.perf_counter()
    connection.request("GET", "/api/v1/search?" + urlencode({"q": query, "mode": "hybrid", "k": 10}))
    response = connection.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise RuntimeError(f"{response.status} for {query!r}")
    answer = json.loads(body.replace(b"127.0.0.1:%d" % port, b"SERVER"))
    return elapsed, float(answer.pop("took_ms")), answer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--index", type=Path, default=speed.CACHE / "full" / "real-index")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    sides = {"base": args.base.resolve(), "new": args.new.resolve()}
    args.index = args.index.resolve()  # both servers on this one index (a relative path would be each checkout's)
    servers = {name: _serve(path, args.index, Path(f"/tmp/http-pair-{name}.log")) for name, path in sides.items()}
    try:
        connections = {name: http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                       for name, (_, port) in servers.items()}
        pool = speed.query_pool(args.index, 20 + args.queries)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
        same = True
        for n, query in enumerate(pool):
            answers = {}
            for name in (("base", "new") if n % 2 else ("new", "base")):
                elapsed, took, answers[name] = _ask(connections[name], servers[name][1], query)
                if n >= 20:  # the first 20 warm both up, as the latency bench's
                    times[name].append((elapsed, took))
            same = same and answers["base"] == answers["new"]
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait()
    for name, values in times.items():
        print(f"{name}: HTTP p50 {statistics.median(v for v, _ in values):.2f} ms, "
              f"engine p50 {statistics.median(t for _, t in values):.2f} ms ({sides[name]})")
    differences = [new[0] - base[0] for base, new in zip(times["base"], times["new"], strict=True)]
    print(f"new - base, per query: median {statistics.median(differences):+.2f} ms over {len(differences)} queries; "
          f"answers the same: {same}; load average {os.getloadavg()[0]:.2f}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
