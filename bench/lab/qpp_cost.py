"""What FusionConfig.semantic_gap costs a query: fuse() of two 100-candidate lists (the candidate depth) with
the setting off and on, interleaved in one process, so the machine's load falls on both alike.

    PYTHONPATH=. python bench/lab/qpp_cost.py
"""
from __future__ import annotations

import random
import statistics
import time

from index.fusion import FusionConfig, fuse, query_weights


def main() -> int:
    rng = random.Random(11)
    ids = list(range(2000))
    lists = []
    for _ in range(200):  # 200 queries' lists: half the ids shared, as on the UN set
        keyword = sorted(((i, rng.uniform(5, 40)) for i in rng.sample(ids, 100)), key=lambda x: -x[1])
        semantic = sorted(((i, rng.uniform(0.3, 0.8)) for i in rng.sample(ids, 100)), key=lambda x: -x[1])
        lists.append({"keyword": keyword, "semantic": semantic})
    off, on = FusionConfig(), FusionConfig(semantic_gap=0.02)
    times: dict[str, list[float]] = {"off": [], "on": [], "weights only": []}
    for _ in range(10):
        for scored in lists:
            for name, config in (("off", off), ("on", on)):
                started = time.perf_counter()
                fuse(scored, config)
                times[name].append((time.perf_counter() - started) * 1e6)
            started = time.perf_counter()
            query_weights(scored, on)
            times["weights only"].append((time.perf_counter() - started) * 1e6)
    for name, values in times.items():
        values.sort()
        print(f"{name:<13} p50 {statistics.median(values):7.1f} us   p95 {values[int(0.95 * len(values))]:7.1f} us"
              f"   ({len(values)} calls)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
