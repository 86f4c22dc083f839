"""Readiness follows the engine: on the milvus backend GET /ready asks Milvus each time, so a load balancer
takes a server whose Milvus is gone out of rotation and puts it back once Milvus answers again."""
from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from support import CORPUS

from index.backends import BackendConfig
from index.build import IngestOptions, ingest_paths
from search_api.app import create_app
from search_api.settings import Settings


def test_ready_fails_while_the_milvus_server_is_stopped_and_recovers(tmp_path: Path, tiny_embedder,  # type: ignore[no-untyped-def]
                                                                     tiny_model_dir: Path) -> None:
    from milvus_support import start_milvus

    db_file = tmp_path / "milvus.db"
    server, uri = start_milvus(db_file)  # a server of its own: the session's one is shared and must stay up
    try:
        index_dir = tmp_path / "index"
        report = ingest_paths(index_dir, [CORPUS], tiny_embedder,
                              IngestOptions(workers=1, backend=BackendConfig(kind="milvus", uri=uri)))
        assert not report.failed, report.failed
        client = TestClient(create_app(Settings(index=index_dir, model=tiny_model_dir, backend="milvus",
                                                milvus_uri=uri), tiny_embedder))
        ready = client.get("/api/v1/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["chunks"] == report.manifest.chunks

        server.stop()
        down = client.get("/api/v1/ready")
        assert down.status_code == 503, down.text
        error = down.json()["error"]
        assert error["code"] == "index_unavailable" and "Milvus" in error["message"], error
        assert client.get("/api/v1/search", params={"q": "technical cooperation"}).status_code == 503
        assert client.get("/api/v1/health").status_code == 200  # liveness: the process itself is fine

        server, _ = start_milvus(db_file, port=int(uri.rsplit(":", 1)[1]))  # the address the app knows
        again = client.get("/api/v1/ready")
        assert again.status_code == 200, again.text
        found = client.get("/api/v1/search", params={"q": "technical cooperation"})
        assert found.status_code == 200 and found.json()["results"], found.text
    finally:
        server.stop()
