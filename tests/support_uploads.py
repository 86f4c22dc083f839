"""Helpers for tests that upload through the API: uploads answer 202 with a job that ingests in the background."""
from __future__ import annotations

import time

UPLOAD = "/api/v1/documents"


def wait_for_job(client, accepted, headers: dict[str, str], timeout_s: float = 60.0) -> dict:  # type: ignore[no-untyped-def]
    """Poll an upload's job (from its 202 answer) until it has finished; returns the job."""
    assert accepted.status_code == 202, accepted.text
    deadline = time.monotonic() + timeout_s
    while True:
        job = client.get(accepted.json()["url"], headers=headers).json()
        if job["progress"]["stage"] == "finished":
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def upload(client, files: list, headers: dict[str, str]) -> dict:  # type: ignore[no-untyped-def]
    """Upload and wait for the job."""
    return wait_for_job(client, client.post(UPLOAD, files=files, headers=headers), headers)
