"""Same answers before and after a change to the search path, and the engine's time per search, in-process.

Runs the latency bench's queries (bench/speed.py's pool), the judged sets' questions and a few queries that
take the rarer paths (symbols, quoted phrases, exclusions, mandate questions, a second page) through the
server's own SearchEngine on an index, and writes each answer's signature: hit ids in order, scores,
retrievers, highlights (fragments and marks), duplicates, totals. `--check REF` compares with a signature
file written by another version of the code (run it from that version's checkout with PYTHONPATH) and fails
on the first difference. Also prints the engine's wall time per search (p50/p95); run two versions
alternately (`--rounds`) on a shared machine and compare the rounds, not one run.

    PYTHONPATH=. HF_HUB_OFFLINE=1 .venv/bin/python bench/search_identity.py \\
        bench/.cache/speed/full/real-index --write /tmp/base.json
    PYTHONPATH=. HF_HUB_OFFLINE=1 .venv/bin/python bench/search_identity.py \\
        bench/.cache/speed/full/real-index --check /tmp/base.json
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RARE_PATHS = [  # symbols, phrases, exclusions, mandate questions: the search's other branches
    "E/RES/1992/41 op. 4", "resolution 1992/41", "what did the Council request the Secretary-General to report",
    '"South-South cooperation" -triangular', '"talent bank"', "capacity building -training",
    "what did the General Assembly decide about the high-level committee", "A/56/509", "xyzzy qwertyuiop",
    "technical cooperation among developing countries", "E/2025/L.16 request report",
]


def queries(index: Path, count: int) -> list[tuple[str, str, int, int]]:
    """(query, mode, k, offset): the latency pool in hybrid, the judged and rare ones in every mode."""
    saved = list(sys.path)
    sys.path.insert(0, str(HERE))
    import speed  # it puts its own checkout first on sys.path: put back the one under test

    sys.path[:] = saved
    pool = speed.query_pool(index, count)
    judged = []
    for name in ("coop_queries.jsonl", "judged/un-a.jsonl", "judged/un-b.jsonl"):
        judged += [json.loads(line)["query"] for line in (HERE / name).open() if line.strip()]
    out = [(q, "hybrid", 10, 0) for q in pool]
    for q in list(dict.fromkeys(judged + RARE_PATHS)):
        out += [(q, "hybrid", 10, 0), (q, "hybrid", 20, 10), (q, "keyword", 10, 0), (q, "semantic", 10, 0)]
    return out


def signature(result: Any) -> dict[str, Any]:
    """What a user sees of an answer, timing left out."""
    return {"total": result.total, "suggestions": list(result.suggestions),
            "hits": [[h.chunk_id, h.rank, h.score, list(h.retrievers),
                      [[f.start, f.end, [list(m) for m in f.marks]] for f in h.fragments],
                      [d.chunk_id for d in h.duplicates], h.document.id] for h in result.hits]}


def differences(want: dict[str, Any], got: dict[str, Any]) -> str | None:
    """Where two signatures differ (scores to 1e-6), or None."""
    if want["total"] != got["total"] or want["suggestions"] != got["suggestions"]:
        return f"total/suggestions {want['total']} {want['suggestions']} != {got['total']} {got['suggestions']}"
    if len(want["hits"]) != len(got["hits"]):
        return f"{len(want['hits'])} hits != {len(got['hits'])}"
    for a, b in zip(want["hits"], got["hits"], strict=True):
        if a[:2] != b[:2] or not math.isclose(a[2], b[2], abs_tol=1e-6) or a[3:] != b[3:]:
            return f"hit {a} != {b}"
    return None


def paired(engine: Any, pool: list[str]) -> int:
    """Each query on the engine without and with the overlapped keyword thread, first one then the other
    going first; every search embeds its query (cache cleared). Prints both sides' p50/p95 and the
    median of the per-query differences."""
    from dataclasses import replace

    from index.embedder import _cached_query
    from index.search import SearchEngine, SearchRequest

    engines = {flag: SearchEngine(engine.holder, engine.embedder, config=replace(engine.config, overlap=flag))
               for flag in (False, True)}
    for q in pool[:20]:
        for e in engines.values():
            e.search(SearchRequest(q))
    times: dict[bool, list[float]] = {False: [], True: []}
    for n, q in enumerate(pool):
        answers = {}
        for flag in ((False, True) if n % 2 else (True, False)):
            _cached_query.cache_clear()
            started = time.perf_counter()
            answers[flag] = signature(engines[flag].search(SearchRequest(q)))
            times[flag].append((time.perf_counter() - started) * 1000)
        problem = differences(answers[False], answers[True])
        if problem:
            print(f"FAIL: {q}: {problem}")
            return 1
    for flag, label in ((False, "overlap off"), (True, "overlap on ")):
        ordered = sorted(times[flag])
        print(f"{label}: engine wall p50 {ordered[len(ordered) // 2]:.2f} ms, "
              f"p95 {ordered[int(len(ordered) * .95)]:.2f} ms, mean {sum(ordered) / len(ordered):.2f} ms")
    deltas = sorted(b - a for a, b in zip(times[False], times[True], strict=True))
    print(f"per-query on - off: median {deltas[len(deltas) // 2]:+.2f} ms over {len(deltas)} queries; "
          "answers identical")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--queries", type=int, default=300, help="latency-pool queries (hybrid)")
    parser.add_argument("--write", type=Path, help="write the signatures here")
    parser.add_argument("--check", type=Path, help="compare with the signatures written here")
    parser.add_argument("--time-only", action="store_true", help="only the latency pool, timed; no signatures")
    parser.add_argument("--ab", action="store_true",
                        help="time each latency-pool query with SearchConfig.overlap off and on, alternating "
                             "which goes first (same process, same embedder), and check their answers agree")
    args = parser.parse_args()

    from index.search import SearchRequest
    from search_api.settings import Settings

    settings = Settings(index=args.index)
    engine = settings.make_engine(settings.make_embedder())
    print(f"code under test: {sys.modules[SearchRequest.__module__].__file__}")
    engine.warm_up()  # as the server does at start-up
    work = queries(args.index, args.queries)
    if args.ab:
        return paired(engine, [q for q, *_ in work[:args.queries]])
    if args.time_only:
        work = work[:args.queries]
    for q, mode, k, offset in work[:20]:  # warm-up, as the latency bench's (embeddings cached after)
        engine.search(SearchRequest(q, k=k, mode=mode, offset=offset))
    from index.embedder import _cached_query
    _cached_query.cache_clear()  # every timed query embeds, as in the latency bench
    times: list[float] = []
    answers: dict[str, Any] = {}
    for q, mode, k, offset in work:
        started = time.perf_counter()
        result = engine.search(SearchRequest(q, k=k, mode=mode, offset=offset))
        if mode == "hybrid" and k == 10:
            times.append((time.perf_counter() - started) * 1000)
        answers[f"{mode}|{k}|{offset}|{q}"] = signature(result)
    ordered = sorted(times)
    print(f"{len(work)} searches; hybrid k=10 engine wall p50 {ordered[len(ordered) // 2]:.2f} ms, "
          f"p95 {ordered[int(len(ordered) * .95)]:.2f} ms, mean {sum(ordered) / len(ordered):.2f} ms "
          f"({len(ordered)} timed)")
    if args.write:
        args.write.write_text(json.dumps(answers))
    if args.check:
        reference = json.loads(args.check.read_text())
        missing = [key for key in reference if key not in answers]
        if missing:
            print(f"FAIL: {len(missing)} reference searches not run, e.g. {missing[0]}")
            return 1
        for key, want in reference.items():
            problem = differences(want, answers[key])
            if problem:
                print(f"FAIL: {key}: {problem}")
                return 1
        print(f"identical: {len(reference)} searches (ids, order, scores to 1e-6, retrievers, highlights, "
              "duplicates, totals, suggestions)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
