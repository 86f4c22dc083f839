"""Property-based attack on the API from its own OpenAPI schema (schemathesis, in process).

Every operation, with valid (positive) and invalid (negative) inputs generated from the schema, is
answered by the real app over a real tiny-model index, with a write key so that uploads and removals
run too: never a 5xx, and every answer's status, content type, headers and body conform to the schema.
Examples are bounded to keep the whole run near a minute.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from support import CORPUS

from edge.keys import KeyStore
from search_api.app import create_app
from search_api.settings import Settings

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
OPERATIONS = [
    ("GET", "/api/v1/search"), ("POST", "/api/v1/search"), ("GET", "/api/v1/chunks/{chunk_id}/similar"),
    ("GET", "/api/v1/stats"), ("GET", "/api/v1/health"), ("GET", "/api/v1/ready"), ("GET", "/api/v1/documents"),
    ("GET", "/api/v1/documents/{doc_id}"), ("GET", "/api/v1/documents/{doc_id}/chunks"),
    ("GET", "/api/v1/documents/{doc_id}/references"), ("GET", "/api/v1/documents/{doc_id}/file"),
    ("DELETE", "/api/v1/documents/{doc_id}"), ("POST", "/api/v1/documents"), ("GET", "/api/v1/jobs/{job_id}"),
    ("GET", "/api/v1/symbols/{symbol}"), ("GET", "/api/v1/mandates"),
]
NO_INPUT = {("GET", "/api/v1/stats"), ("GET", "/api/v1/health"), ("GET", "/api/v1/ready")}  # nothing to negate
EXAMPLES = {"POST /api/v1/documents": 3}  # each upload runs a real ingest (a worker process)
DEFAULT_EXAMPLES = 12
CASES: list[str] = []


@pytest.fixture(scope="module")
def fuzz_site(tmp_path_factory: pytest.TempPathFactory, tiny_corpus_index: Path, tiny_embedder,  # type: ignore[no-untyped-def]
              tiny_model_dir: Path):
    """An app over a private index copy (the fuzzer may upload and delete), its schema, and a write key."""
    root = tmp_path_factory.mktemp("fuzz")
    index = root / "index"
    shutil.copytree(tiny_corpus_index, index, ignore=shutil.ignore_patterns(".lock"))
    settings_ = Settings(index=index, model=tiny_model_dir, corpus=CORPUS, rate_limit_per_s=0, workers=1,
                         max_upload_bytes=256 * 1024, parse_timeout_s=20)
    key = KeyStore(settings_.keys_path()).create("fuzzer", "write")[1]
    app = create_app(settings_, tiny_embedder)
    yield schemathesis.openapi.from_asgi("/openapi.json", app), key
    print(f"\nschemathesis: {len(CASES)} cases over {len(set(CASES))} operation/mode pairs")


def test_the_schema_lists_every_operation(fuzz_site) -> None:  # type: ignore[no-untyped-def]
    schema, _ = fuzz_site
    found = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    assert found == set(OPERATIONS)
    raw = schema.raw_schema
    assert raw["paths"]["/api/v1/search"]["get"]["parameters"][0]["examples"]["good practice"]["value"]
    assert raw["paths"]["/api/v1/search"]["post"]["requestBody"]["content"]["application/json"]["examples"]


# Operations with no input have nothing to make invalid: they run in positive mode only.
ATTACKS = [(method, path, mode) for method, path in OPERATIONS
           for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
           if not (mode is GenerationMode.NEGATIVE and (method, path) in NO_INPUT)]


@pytest.mark.parametrize("method, path, mode", ATTACKS, ids=[f"{m} {p}-{g.value}" for m, p, g in ATTACKS])
def test_operation_conforms_and_never_fails(fuzz_site, method: str, path: str,  # type: ignore[no-untyped-def]
                                            mode: GenerationMode) -> None:
    schema, key = fuzz_site
    operation = schema[path][method]
    label = f"{method} {path}"

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES.get(label, DEFAULT_EXAMPLES), deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def attack(case) -> None:  # type: ignore[no-untyped-def]
        CASES.append(f"{label} {mode.value}")
        response = case.call_and_validate(headers={"X-API-Key": key}, checks=CHECKS)
        assert "Traceback" not in response.text

    attack()
