"""The smaller edges of issue 13: OPTIONS and 405 name every method of a path; JSON numbers must be numbers."""
from __future__ import annotations

from pathlib import Path


def test_options_and_405_name_every_method_of_the_path(writable_index: Path, make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(writable_index)
    options = client.options("/api/v1/documents")
    assert options.status_code == 204
    assert options.headers["allow"] == "GET, OPTIONS, POST"
    search = client.options("/api/v1/search")
    assert search.status_code == 204 and search.headers["allow"] == "GET, OPTIONS, POST"
    one = client.options("/api/v1/documents/some-id")
    assert one.headers["allow"] == "DELETE, GET, OPTIONS"
    put = client.put("/api/v1/documents")
    assert put.status_code == 405 and put.headers["allow"] == "GET, OPTIONS, POST"
    assert put.json()["error"]["code"] == "method_not_allowed"


def test_json_numbers_and_booleans_must_be_what_they_say(writable_index: Path, make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(writable_index)
    for body in ({"q": "cooperation", "offset": False}, {"q": "cooperation", "k": True},
                 {"q": "cooperation", "k": "5"}, {"q": "cooperation", "facets": 1},
                 {"q": "cooperation", "filters": {"year_from": "1990"}}):
        response = client.post("/api/v1/search", json=body)
        assert response.status_code == 422, body
        assert response.json()["error"]["code"] == "invalid_request"
    assert client.post("/api/v1/search", json={"q": "cooperation", "offset": 0, "k": 5, "facets": True,
                                               "filters": {"year_from": 1990}}).status_code == 200
