"""Precision of the references ingest finds in the UN PDFs, against a list checked by hand.

    python bench/reference_precision.py                     # precision over bench/references/judged.jsonl
    python bench/reference_precision.py --sample 130 --seed 7 --out new-sample.jsonl   # a list to judge

Each line of the judged list names a reference (file, passage ordinal, text as written, symbol) with
the passage around it and a person's verdict: `correct` is true when the symbol is the document the
passage means (a decision of the body the passage names, the instrument the context means), false
otherwise. Precision is the share of judged references, still extracted, that are correct; judged
references no longer extracted are listed (they were lost, or changed symbol).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.pipeline import parse_file  # noqa: E402
from ingest.types import ParsedDocument  # noqa: E402

PDFS = ROOT.parent / "shared" / "data" / "un-pdfs"
JUDGED = ROOT / "bench" / "references" / "judged.jsonl"
RESULT = ROOT / "bench" / "results" / "reference_precision.json"
Key = tuple[str, int, str, str]  # file, chunk ordinal, raw, symbol


def references(folder: Path, workers: int) -> dict[Key, str]:
    """Every reference in the folder's PDFs -> the passage around it."""
    paths = sorted(folder.glob("*.pdf"))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        parsed = list(pool.map(parse_file, paths))
    out: dict[Key, str] = {}
    for path, doc in zip(paths, parsed, strict=True):
        out.update(_document_references(path.name, doc))
    return out


def _document_references(name: str, doc: ParsedDocument) -> dict[Key, str]:
    texts = {chunk.ordinal: chunk.text for chunk in doc.chunks}
    out: dict[Key, str] = {}
    for ref in doc.document.references:
        if ref.chunk_ordinal is None:
            continue
        text = texts[ref.chunk_ordinal]
        at = max(0, text.find(ref.raw))
        out[(name, ref.chunk_ordinal, ref.raw, ref.symbol)] = text[max(0, at - 200):at + len(ref.raw) + 120]
    return out


def precision(found: dict[Key, str], judged: list[dict]) -> dict:
    """Precision over the judged references that are still found, and the judged ones that are not."""
    present = [j for j in judged if (j["file"], j["ordinal"], j["raw"], j["symbol"]) in found]
    correct = sum(1 for j in present if j["correct"])
    missing = [f"{j['file']} #{j['ordinal']}: {j['raw']!r} -> {j['symbol']}" for j in judged if j not in present]
    return {"judged": len(judged), "present": len(present), "correct": correct,
            "precision": round(correct / len(present), 4) if present else None, "no_longer_found": missing,
            "wrong": [f"{j['file']} #{j['ordinal']}: {j['raw']!r} -> {j['symbol']} ({j.get('note', '')})"
                      for j in present if not j["correct"]],
            "references_found": len(found)}


def main() -> None:
    """Measure precision, or write a sample to judge."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdfs", type=Path, default=PDFS)
    parser.add_argument("--judged", type=Path, default=JUDGED)
    parser.add_argument("--sample", type=int, default=0, help="write this many references to judge instead")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("reference-sample.jsonl"))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not args.pdfs.is_dir():
        sys.exit(f"no PDFs at {args.pdfs}: the UN PDFs live in ../shared/data/un-pdfs")
    found = references(args.pdfs, args.workers)
    if args.sample:
        keys = random.Random(args.seed).sample(sorted(found), min(args.sample, len(found)))
        with args.out.open("w") as handle:
            for file, ordinal, raw, symbol in sorted(keys):
                row = {"file": file, "ordinal": ordinal, "raw": raw, "symbol": symbol,
                       "context": found[(file, ordinal, raw, symbol)], "correct": None, "note": ""}
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"wrote {len(keys)} references to judge to {args.out}")
        return
    judged = [json.loads(line) for line in args.judged.read_text().splitlines() if line.strip()]
    result = precision(found, judged)
    print(f"references found: {result['references_found']}; judged: {result['judged']}, still found: "
          f"{result['present']}, correct: {result['correct']}, precision: {result['precision']}")
    for line in result["wrong"]:
        print("  wrong:", line)
    for line in result["no_longer_found"]:
        print("  no longer found:", line)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
