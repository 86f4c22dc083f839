"""The `coopsearch` command line: ingest, remove, search, serve, info, keys. Thin: parse, call the core, print."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Iterable, Sequence

from search_api.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {name: getattr(args, name) for name in ("index", "corpus", "model", "host", "port", "keys_file")
                 if getattr(args, name, None) is not None}
    return Settings(**overrides)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", type=Path, help="index folder (env COOPSEARCH_INDEX; default data/index)")
    parser.add_argument("--model", type=Path, help="sentence-transformers model folder (env COOPSEARCH_MODEL)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per verb."""
    parser = argparse.ArgumentParser(prog="coopsearch", description="Search development-cooperation documents.")
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="add or update documents from files or folders")
    ingest.add_argument("paths", nargs="+", type=Path)
    _common(ingest)
    ingest.add_argument("--password", action="append", default=[], metavar="FILE=PW",
                        help="password for an encrypted PDF (file name or path); repeatable")
    ingest.add_argument("--passwords-file", type=Path, help="a file of FILE=PW lines")
    ingest.add_argument("--prune", action="store_true", help="drop documents whose files are gone")
    ingest.add_argument("--strict", action="store_true", help="exit non-zero if any file failed")
    ingest.add_argument("--report", type=Path, help="write the ingest summary as JSON here")
    ingest.add_argument("--timeout", type=float, help="seconds allowed to read one file")
    ingest.add_argument("--workers", type=int, help="worker processes reading files")
    ingest.add_argument("--max-bytes", type=int, help="refuse files larger than this")
    ingest.add_argument("--quiet", action="store_true", help="no progress bars")

    remove = sub.add_parser("remove", help="remove documents by id")
    remove.add_argument("doc_ids", nargs="+")
    _common(remove)

    search = sub.add_parser("search", help="search the index")
    search.add_argument("query")
    search.add_argument("-k", type=int, default=10)
    search.add_argument("--mode", default="hybrid", choices=["hybrid", "semantic", "keyword"])
    search.add_argument("--json", action="store_true", help="print the API's JSON")
    search.add_argument("--doc-type", help="resolution, decision, plan of action, report, speech, …")
    search.add_argument("--body", help="adopting or issuing body")
    search.add_argument("--symbol", help="document symbol, e.g. A/80/39")
    search.add_argument("--year-from", type=int)
    search.add_argument("--year-to", type=int)
    search.add_argument("--country", help="ISO 3166-1 alpha-3 code, e.g. BRA")
    search.add_argument("--kind", help="passage kind: operative, preambular, footnote, paragraph, …")
    _common(search)

    serve = sub.add_parser("serve", help="serve the API and the search page")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--corpus", type=Path, help="folder to build from when the index is missing")
    _common(serve)

    info = sub.add_parser("info", help="print the index manifest")
    _common(info)
    _keys_parser(sub)
    return parser


def _keys_parser(sub: argparse._SubParsersAction) -> None:
    keys = sub.add_parser("keys", help="create, list and revoke API keys (stored hashed)")
    verbs = keys.add_subparsers(dest="keys_command", required=True)
    create = verbs.add_parser("create", help="make a key; prints the key once, on stdout")
    create.add_argument("name", help="who or what the key is for")
    create.add_argument("--scope", choices=["read", "write"], default="read", help="write implies read")
    create.add_argument("--rate", type=float, help="the key's own requests per second (a portal for many users); "
                                                   "0: no limit; default: the server's")
    create.add_argument("--burst", type=int, help="the key's own burst (requests at once)")
    listing = verbs.add_parser("list", help="list keys (never the keys themselves)")
    listing.add_argument("--json", action="store_true")
    revoke = verbs.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    for verb in (create, listing, revoke):
        verb.add_argument("--index", type=Path, help="index folder; the keys file defaults to api-keys.json beside it")
        verb.add_argument("--keys-file", type=Path, help="the keys file (env COOPSEARCH_KEYS_FILE)")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    args = build_parser().parse_args(argv)
    from index.errors import IndexError_

    try:
        handler = {"ingest": cmd_ingest, "remove": cmd_remove, "search": cmd_search, "serve": cmd_serve,
                   "info": cmd_info, "keys": cmd_keys}[args.command]
        return handler(args)
    except IndexError_ as exc:
        print(f"coopsearch: error: {exc}", file=sys.stderr)
        return 2


def _progress(quiet: bool):  # type: ignore[no-untyped-def]
    if quiet:
        return None
    from tqdm import tqdm

    def wrap(items: Iterable, total: int, desc: str) -> Iterable:
        return tqdm(items, total=total, desc=desc, unit="file", file=sys.stderr)

    return wrap


def parse_passwords(pairs: Sequence[str], path: Path | None) -> dict[str, str]:
    """FILE=PW pairs from flags and a passwords file."""
    lines = list(pairs)
    if path is not None:
        lines += [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    passwords: dict[str, str] = {}
    for line in lines:
        name, sep, password = line.partition("=")
        if not sep:
            raise SystemExit(f"coopsearch: error: password must be FILE=PW, got {line!r}")
        passwords[name.strip()] = password
    return passwords


def cmd_ingest(args: argparse.Namespace) -> int:
    """Ingest files and print a summary."""
    from index.build import IngestOptions, ingest_paths

    settings = _settings(args)
    options = IngestOptions(
        passwords=parse_passwords(args.password, args.passwords_file), prune=args.prune,
        max_bytes=args.max_bytes or settings.max_file_bytes, timeout_s=args.timeout or settings.parse_timeout_s,
        workers=args.workers or settings.workers)
    embedder = settings.make_embedder()
    report = ingest_paths(settings.index, args.paths, embedder, options, progress=_progress(args.quiet))
    print_report(report)
    if args.report:
        args.report.write_text(json.dumps(report.to_dict(), indent=2, default=str) + "\n")
    return 1 if args.strict and report.failed else 0


def print_report(report) -> None:  # type: ignore[no-untyped-def]
    """The human summary of an ingest."""
    counts = report.to_dict()["counts"]
    print(f"files: {counts['files_seen']}  added: {counts['added']}  updated: {counts['updated']}  "
          f"unchanged: {counts['unchanged']}  removed: {counts['removed']}  chunks added: {counts['chunks_added']}  "
          f"skipped: {counts['skipped']}  failed: {counts['failed']}")
    print("seconds: " + "  ".join(f"{stage} {seconds:.2f}" for stage, seconds in report.seconds.items()))
    for problem in report.skipped:
        print(f"skipped {problem.path}: {problem.message} [{problem.reason}]")
    for problem in report.failed:
        print(f"FAILED  {problem.path}: {problem.message} [{problem.reason}]")
    if report.manifest is not None:
        print(f"index: {report.manifest.documents} documents, {report.manifest.chunks} chunks "
              f"({report.manifest.generation})")


def cmd_remove(args: argparse.Namespace) -> int:
    """Remove documents."""
    from index.build import remove_documents

    settings = _settings(args)
    report = remove_documents(settings.index, args.doc_ids, settings.make_embedder())
    print_report(report)
    return 1 if report.failed else 0


def cmd_search(args: argparse.Namespace) -> int:
    """Search and print results."""
    from index.search import SearchEngine, SearchRequest
    from index.snapshot import IndexHolder
    from search_api.schemas import search_response

    settings = _settings(args)
    embedder = settings.make_embedder()
    engine = SearchEngine(IndexHolder(settings.index, embedder.info), embedder,
                          settings.fusion())
    from index.types import Filters

    filters = Filters(doc_type=args.doc_type, body=args.body, symbol=args.symbol, year_from=args.year_from,
                      year_to=args.year_to, country=args.country.upper() if args.country else None, kind=args.kind)
    request = SearchRequest(query=args.query, k=args.k, mode=args.mode, filters=filters)
    result = engine.search(request)
    if args.json:
        print(search_response(result, request).model_dump_json(indent=2))
        return 0
    for hit in result.hits:
        where = ", ".join(filter(None, [hit.document.symbol, hit.chunk.label, f"p. {hit.chunk.page_start}"]))
        print(f"{hit.rank:>3}. {hit.document.title}  [{where}]  score {hit.score:.4f}")
        print("     " + hit.chunk.text[:300].replace("\n", " ") + ("…" if len(hit.chunk.text) > 300 else ""))
    if not result.hits:
        print("no results")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the API and page; build the index from the corpus first if it is missing."""
    from index.build import IngestOptions, ingest_paths
    from index.manifest import MANIFEST_NAME
    from search_api.app import create_app
    from search_api.serving import install_log_throttle, serve_forever, server_config

    settings = _settings(args)
    embedder = settings.make_embedder()
    if not (settings.index / MANIFEST_NAME).exists():
        print(f"no index at {settings.index}: building it from {settings.corpus}", file=sys.stderr)
        report = ingest_paths(settings.index, [settings.corpus], embedder,
                              IngestOptions(max_bytes=settings.max_file_bytes, timeout_s=settings.parse_timeout_s,
                                            workers=settings.workers), progress=_progress(False))
        print_report(report)
    if settings.open_reads and settings.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"note: serving on {settings.host} with open reads: anyone who reaches it can search; "
              "set COOPSEARCH_OPEN_READS=false to require keys", file=sys.stderr)
    if settings.public_url is None and settings.host not in ("127.0.0.1", "localhost", "::1"):
        print("note: COOPSEARCH_PUBLIC_URL is not set: links in feeds, exports and /opensearch.xml name "
              f"{settings.edge_config().fallback_url} unless a request's host is in COOPSEARCH_ALLOWED_HOSTS",
              file=sys.stderr)
    app = create_app(settings, embedder)
    install_log_throttle()
    serve_forever(server_config(app, settings))
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    """Print the manifest."""
    from dataclasses import asdict

    from index.manifest import read_manifest

    print(json.dumps(asdict(read_manifest(_settings(args).index)), indent=2))
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    """Create, list or revoke API keys."""
    from edge.keys import KeyStore

    store = KeyStore(_settings(args).keys_path())
    if args.keys_command == "create":
        try:
            key, token = store.create(args.name, args.scope, args.rate, args.burst)
        except ValueError as exc:
            print(f"coopsearch: error: {exc}", file=sys.stderr)
            return 2
        print(token)
        print(f"created key {key.id} ({key.scope}) for {key.name!r} in {store.path}; "
              "the key above is shown only now", file=sys.stderr)
        return 0
    if args.keys_command == "revoke":
        key = store.revoke(args.key_id)
        if key is None:
            print(f"coopsearch: error: no key with id {args.key_id!r} in {store.path}", file=sys.stderr)
            return 1
        print(f"revoked key {key.id} ({key.name!r}) at {key.revoked_at}")
        return 0
    keys = store.list_keys()
    if args.json:
        print(json.dumps([{k: v for k, v in vars(key).items() if k != "sha256"} for key in keys], indent=2))
        return 0
    print(f"{'id':<10}{'scope':<7}{'created':<22}{'revoked':<22}name")
    for key in keys:
        print(f"{key.id:<10}{key.scope:<7}{key.created_at:<22}{key.revoked_at or '-':<22}{key.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
