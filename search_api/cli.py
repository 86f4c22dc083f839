"""The `coopsearch` command line: ingest, remove, documents, search, serve, info, keys.

Thin: parse the arguments (a search's through the same model as the API's), call the core once,
print. A mistake (a missing path, a bad value, an unknown id) is a message on stderr and a non-zero
exit status, never a silent success.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.types import SEARCH_MODES
from search_api.settings import Settings

if TYPE_CHECKING:
    from index.build import IngestReport, ProgressFactory
    from index.search import SearchEngine
    from index.types import SearchResult

# What each stage's progress bar counts; the ingest pipeline's bar counts files and shows passages/s beside them.
UNITS = {"ingest": "files", "read": "files", "embed": "passages"}


class UsageError(Exception):
    """A mistake in the command's arguments, said in one sentence."""


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {name: getattr(args, name) for name in ("index", "corpus", "model", "host", "port", "keys_file")
                 if getattr(args, name, None) is not None}
    return Settings(**overrides)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", type=Path, help="index folder (env COOPSEARCH_INDEX; default data/index)")
    parser.add_argument("--model", type=Path, help="sentence-transformers model folder (env COOPSEARCH_MODEL)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def _filter_options(parser: argparse.ArgumentParser, *, passages: bool) -> None:
    parser.add_argument("--doc-type", help="resolution, decision, plan of action, report, speech, …")
    parser.add_argument("--body", help="adopting or issuing body")
    parser.add_argument("--symbol", help="document symbol, e.g. A/80/39")
    parser.add_argument("--year-from", type=int)
    parser.add_argument("--year-to", type=int)
    parser.add_argument("--country", help="a country's name or ISO code, e.g. Brazil, BR or BRA")
    if passages:
        parser.add_argument("--kind", help="passage kind: operative, preambular, footnote, paragraph, …")


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

    remove = sub.add_parser("remove", help="remove documents by id (and their uploaded files)")
    remove.add_argument("doc_ids", nargs="+")
    _common(remove)

    documents = sub.add_parser("documents", aliases=["list"], help="list documents: id, symbol, title, source")
    _filter_options(documents, passages=False)
    documents.add_argument("--offset", type=int, help="documents to skip")
    documents.add_argument("--limit", type=int, help="at most this many (1 to 100; default: all)")
    documents.add_argument("--json", action="store_true", help="print the API's JSON")
    _common(documents)

    search = sub.add_parser("search", help="search the index")
    search.add_argument("query")
    # no defaults here: the search model's (web/search_params.py) apply, as in the API
    search.add_argument("-k", type=int, help="results per page (1 to 100; default 10)")
    search.add_argument("--offset", type=int, help="results to skip, for the next page")
    search.add_argument("--mode", choices=SEARCH_MODES,
                        help="hybrid (default), keyword (no model needed) or semantic")
    search.add_argument("--facets", action="store_true", help="also count the matches by type, body, year, …")
    search.add_argument("--json", action="store_true", help="print the API's JSON")
    _filter_options(search, passages=True)
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
    if getattr(args, "quiet", False) or args.command not in ("ingest", "serve"):
        os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"  # the model-loading bar: noise outside long jobs
    from index.errors import CoopsearchError

    handlers = {"ingest": cmd_ingest, "remove": cmd_remove, "documents": cmd_documents, "list": cmd_documents,
                "search": cmd_search, "serve": cmd_serve, "info": cmd_info, "keys": cmd_keys}
    try:
        return handlers[args.command](args)
    except (CoopsearchError, UsageError) as exc:
        print(f"coopsearch: error: {exc}", file=sys.stderr)
        return 2


def _progress(quiet: bool) -> ProgressFactory | None:
    if quiet:
        return None
    from tqdm import tqdm

    def wrap(items: Iterable, total: int, desc: str) -> Iterable:
        return tqdm(items, total=total, desc=desc, unit=" " + UNITS.get(desc, "items"), file=sys.stderr)

    return wrap


def parse_passwords(pairs: Sequence[str], path: Path | None) -> dict[str, str]:
    """FILE=PW pairs from flags and a passwords file."""
    lines = list(pairs)
    if path is not None:
        if not path.is_file():
            raise UsageError(f"no passwords file at {path}")
        lines += [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    passwords: dict[str, str] = {}
    for line in lines:
        name, sep, password = line.partition("=")
        if not sep:
            raise SystemExit(f"coopsearch: error: password must be FILE=PW, got {line!r}")
        passwords[name.strip()] = password
    return passwords


def _existing(paths: Sequence[Path]) -> list[Path]:
    """The paths, all of which must exist: a typo is an error before anything is written."""
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    return list(paths)


def cmd_ingest(args: argparse.Namespace) -> int:
    """Ingest files and print what became of each."""
    from index.build import ingest_paths

    settings = _settings(args)
    paths = _existing(args.paths)
    if args.report is not None and not args.report.parent.is_dir():
        raise UsageError(f"no folder {args.report.parent} to write the report {args.report.name} into")
    options = settings.ingest_options(passwords=parse_passwords(args.password, args.passwords_file),
                                      prune=args.prune, max_bytes=args.max_bytes, timeout_s=args.timeout,
                                      workers=args.workers)
    embedder = settings.make_embedder()
    report = ingest_paths(settings.index, paths, embedder, options, progress=_progress(args.quiet))
    print_report(report)
    if args.report:
        args.report.write_text(json.dumps(report.to_dict(), indent=2, default=str) + "\n")
    return 1 if args.strict and report.failed else 0


def print_report(report: IngestReport) -> None:
    """The human summary of an ingest: the counts, then every file with its outcome."""
    counts = report.to_dict()["counts"]
    print(f"files: {counts['files_seen']}  added: {counts['added']}  updated: {counts['updated']}  "
          f"unchanged: {counts['unchanged']}  removed: {counts['removed']}  chunks added: {counts['chunks_added']}  "
          f"skipped: {counts['skipped']}  failed: {counts['failed']}")
    print("seconds: " + "  ".join(f"{stage} {seconds:.2f}" for stage, seconds in report.seconds.items()))
    for item in report.outcomes():
        if item.document_id is not None:
            print(f"{item.outcome:<10} {item.path} -> {item.document_id}")
        else:
            print(f"{'FAILED' if item.outcome == 'failed' else item.outcome:<10} {item.path}: {item.message} "
                  f"[{item.reason}]")
    if report.manifest is not None:
        print(f"index: {report.manifest.documents} documents, {report.manifest.chunks} chunks "
              f"({report.manifest.generation})")


def cmd_remove(args: argparse.Namespace) -> int:
    """Remove documents, and their files when they were uploaded (as the API's DELETE does)."""
    from index.build import remove_documents
    from index.errors import NotFound
    from search_api.uploads import delete_uploaded_file

    settings = _settings(args)
    embedder = settings.make_embedder()
    engine = settings.make_engine(embedder)
    titles = {}
    for doc_id in args.doc_ids:
        with contextlib.suppress(NotFound):  # an unknown id is reported below, from the removal's own report
            titles[doc_id] = engine.document(doc_id)[0].title
    report = remove_documents(settings.index, args.doc_ids, embedder, settings.vector_config(),
                              settings.backend_config())
    for doc_id in report.removed:
        source = report.sources.get(doc_id, "")
        print(f"removed {doc_id}: {titles.get(doc_id, '')} ({source})")
        if delete_uploaded_file(source, settings.uploads_dir()):
            print(f"deleted its uploaded file {source}")
    for problem in report.failed:
        print(f"coopsearch: error: no document with id {problem.path!r}", file=sys.stderr)
    if report.manifest is not None:
        print(f"index: {report.manifest.documents} documents, {report.manifest.chunks} chunks "
              f"({report.manifest.generation})")
    return 1 if report.failed else 0


def _validated(model: type[Any], values: dict[str, Any]) -> Any:
    """Check values against the API's model of them; a bad one is a UsageError naming its flag."""
    from pydantic import ValidationError

    try:
        return model.model_validate({name: value for name, value in values.items() if value is not None})
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "query"
        flag = {"q": "the query", "k": "-k"}.get(name, "--" + name.replace("_", "-"))
        raise UsageError(f"{flag}: {error['msg']} (got {error.get('input')!r})") from None


def _filter_values(args: argparse.Namespace) -> dict[str, Any]:
    country = country_code(args.country) if args.country else None
    if country and country != args.country:
        print(f"country: {args.country!r} is {country}", file=sys.stderr)
    return {"doc_type": args.doc_type, "body": args.body, "symbol": args.symbol, "year_from": args.year_from,
            "year_to": args.year_to, "country": country, "kind": getattr(args, "kind", None)}


def country_code(text: str) -> str:
    """An ISO 3166-1 alpha-3 code from a name ("Brazil"), an alpha-2 or an alpha-3 code, historic ones included."""
    import pycountry

    from ingest.countries import find_countries, is_country_code

    value = text.strip()
    if len(value) == 3 and is_country_code(value):
        return value.upper()
    try:
        return str(pycountry.countries.lookup(value).alpha_3)
    except LookupError:
        found = find_countries(value)  # the names the index tags documents with, UN usage included
    if len(found) == 1:
        return found[0]
    raise UsageError(f"unknown country {text!r}: give a name (Brazil) or an ISO 3166-1 code (BR or BRA)")


def _engine(settings: Settings, needs_model: bool) -> SearchEngine:
    """The engine; the embedding model is loaded only when vectors must be computed."""
    return settings.make_engine(settings.make_embedder() if needs_model else None)


def cmd_documents(args: argparse.Namespace) -> int:
    """List documents passing the filters, newest first: id, symbol, title, source."""
    from web.results import document_summary
    from web.search_params import MAX_DOCUMENT_LIMIT, DocumentQuery

    settings = _settings(args)
    query = _validated(DocumentQuery, {**_filter_values(args), "offset": args.offset,
                                       "limit": args.limit or MAX_DOCUMENT_LIMIT})
    engine = _engine(settings, needs_model=False)
    total, documents = engine.list_documents(query.filters(), query.offset, query.limit)
    while args.limit is None and query.offset + len(documents) < total:  # no limit: every page
        documents += engine.list_documents(query.filters(), query.offset + len(documents), query.limit)[1]
    if args.json:
        print(json.dumps({"total": total, "offset": query.offset,
                          "documents": [document_summary(d).model_dump() for d in documents]}, indent=2))
        return 0
    width = max((len(d.id) for d in documents), default=2)
    print(f"{'id':<{width}}  {'symbol':<16}  title  (source)")
    for document in documents:
        print(f"{document.id:<{width}}  {document.symbol or '-':<16}  {document.title}  ({document.source})")
    shown = f"{query.offset + 1} to {query.offset + len(documents)} of {total}" if documents else f"none of {total}"
    print(f"documents {shown}", file=sys.stderr)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """Search and print results (or the API's JSON)."""
    from web.results import search_response
    from web.search_params import SearchParams

    settings = _settings(args)
    params = _validated(SearchParams, {"q": args.query, "k": args.k, "offset": args.offset, "mode": args.mode,
                                       "facets": args.facets, **_filter_values(args)})
    request = params.request()
    result = _engine(settings, needs_model=request.mode != "keyword").search(request)
    if args.json:
        print(search_response(result, request).model_dump_json(indent=2))
        return 0
    for line in _result_lines(result, request.offset, request.k):
        print(line)
    return 0


def _result_lines(result: SearchResult, offset: int, k: int) -> Iterator[str]:
    for hit in result.hits:
        where = ", ".join(filter(None, [hit.document.symbol, hit.chunk.label, f"p. {hit.chunk.page_start}"]))
        yield f"{hit.rank:>3}. {hit.document.title}  [{where}]  score {hit.score:.4f}"
        yield "     " + hit.chunk.text[:300].replace("\n", " ") + ("…" if len(hit.chunk.text) > 300 else "")
    if not result.hits:
        yield "no results" + (f" at offset {offset} (there are {result.total})" if result.total else "")
    else:
        end = offset + len(result.hits)
        more = f"; next page: --offset {end}" if end < result.total else ""
        yield f"results {offset + 1} to {end} of {result.total}{more}"
    for name, values in result.facets.items():
        yield f"{name}: " + ", ".join(f"{value} {count}" for value, count in values)


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the API and page; build the index from the corpus first if it is missing."""
    from index.build import ingest_paths
    from index.manifest import MANIFEST_NAME
    from search_api.app import create_app
    from search_api.serving import install_log_throttle, serve_forever, server_config

    settings = _settings(args)
    missing = not (settings.index / MANIFEST_NAME).exists()
    if missing:
        _existing([settings.corpus])
    embedder = settings.make_embedder()
    if missing:
        print(f"no index at {settings.index}: building it from {settings.corpus}", file=sys.stderr)
        report = ingest_paths(settings.index, [settings.corpus], embedder, settings.ingest_options(),
                              progress=_progress(args.quiet))
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
        revoked = store.revoke(args.key_id)
        if revoked is None:
            print(f"coopsearch: error: no key with id {args.key_id!r} in {store.path}", file=sys.stderr)
            return 1
        print(f"revoked key {revoked.id} ({revoked.name!r}) at {revoked.revoked_at}")
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
