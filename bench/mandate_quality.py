"""Precision and recall of mandate extraction against mandates read by hand.

    python bench/mandate_quality.py

bench/mandates/judged.jsonl lists every request, invitation and call in the operative paragraphs of
ECOSOC resolution 1992/41 (corpus/), A/80/39, E/2025/28 and E/2025/31 (../shared/data/un-pdfs), as a
person read them: the adopted text (source_symbol), the paragraph, the verb, the party asked and the
year it is due (null when the text gives none). An extracted mandate is right when all five agree.
"""
from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.pipeline import parse_file  # noqa: E402

JUDGED = ROOT / "bench" / "mandates" / "judged.jsonl"
FOLDERS = (ROOT / "corpus", ROOT.parent / "shared" / "data" / "un-pdfs")
RESULT = ROOT / "bench" / "results" / "mandate_quality.json"
Key = tuple[str, str | None, str | None, str, str, int | None]


def _key(file: str, row: dict) -> Key:
    return (file, row["source_symbol"], row["label"], row["verb"], " ".join(row["who"].lower().split()),
            row["due_year"])


def extracted(files: set[str]) -> dict[str, set[Key]]:
    """The mandates ingest finds in each judged file."""
    out: dict[str, set[Key]] = {}
    for name in sorted(files):
        path = next((folder / name for folder in FOLDERS if (folder / name).is_file()), None)
        if path is None:
            sys.exit(f"{name} not found in {', '.join(map(str, FOLDERS))}")
        document = parse_file(path).document
        out[name] = {_key(name, m.__dict__) for m in document.mandates}
    return out


def scores(gold: list[dict], found: dict[str, set[Key]]) -> dict:
    """Precision and recall overall and per set of judgments."""
    by_set: dict[str, list[dict]] = defaultdict(list)
    for row in gold:
        by_set[row["set"]].append(row)
    result = {"all": _score(gold, found)}
    result.update({name: _score(rows, found) for name, rows in by_set.items()})
    return result


def _score(gold: list[dict], found: dict[str, set[Key]]) -> dict:
    files = {row["file"] for row in gold}
    truth = {_key(row["file"], row) for row in gold}
    got = set().union(*(found[f] for f in files))
    hits = truth & got
    return {"gold": len(truth), "extracted": len(got), "correct": len(hits),
            "precision": round(len(hits) / len(got), 4) if got else None,
            "recall": round(len(hits) / len(truth), 4) if truth else None,
            "wrong": sorted(map(str, got - truth)), "missed": sorted(map(str, truth - got))}


def main() -> None:
    """Print and save the scores."""
    gold = [json.loads(line) for line in JUDGED.read_text().splitlines() if line.strip()]
    result = scores(gold, extracted({row["file"] for row in gold}))
    for name, score in result.items():
        print(f"{name}: {score['gold']} judged, {score['extracted']} extracted, {score['correct']} right; "
              f"precision {score['precision']}, recall {score['recall']}")
        for line in score["wrong"][:10]:
            print("   wrong:", line)
        for line in score["missed"][:10]:
            print("   missed:", line)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
