"""A truncated or corrupt index file is a CorruptIndex naming the file: never a crash, never wrong results."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Callable

import pytest

from index.errors import CorruptIndex
from index.manifest import MANIFEST_NAME, STORE_NAME, VECTORS_NAME, read_manifest, write_manifest
from index.snapshot import IndexHolder, IndexSnapshot


@pytest.fixture()
def index_copy(tmp_path: Path, tiny_corpus_index: Path) -> Path:
    """A private copy of the tiny corpus index, free to damage."""
    target = tmp_path / "index"
    shutil.copytree(tiny_corpus_index, target)
    return target


def _generation_file(index_dir: Path, name: str) -> Path:
    return read_manifest(index_dir).generation_dir(index_dir) / name


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip_middle_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-9] ^= 0x01  # inside the last vectors or the id map: FAISS would read it without complaint
    path.write_bytes(bytes(data))


DAMAGES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "store truncated": (STORE_NAME, _truncate),
    "store byte flipped": (STORE_NAME, _flip_middle_byte),
    "vectors truncated": (VECTORS_NAME, _truncate),
    "vectors byte flipped": (VECTORS_NAME, _flip_middle_byte),
    "vectors last bytes flipped": (VECTORS_NAME, _flip_last_byte),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_damaged_generation_file_is_named(index_copy: Path, tiny_embedder, damage: str) -> None:  # type: ignore[no-untyped-def]
    name, change = DAMAGES[damage]
    path = _generation_file(index_copy, name)
    change(path)
    with pytest.raises(CorruptIndex, match=name.replace(".", r"\.")):
        IndexHolder(index_copy, tiny_embedder.info).current()


@pytest.mark.parametrize("content", ['{"format_version": 1, "model": {"na', "", "[1, 2]", '{"format_version": 1}'])
def test_damaged_manifest_is_named(index_copy: Path, tiny_embedder, content: str) -> None:  # type: ignore[no-untyped-def]
    (index_copy / MANIFEST_NAME).write_text(content)
    with pytest.raises(CorruptIndex, match=MANIFEST_NAME.replace(".", r"\.")):
        IndexHolder(index_copy, tiny_embedder.info).current()


def test_a_failed_load_is_not_paid_again_until_the_manifest_changes(index_copy: Path, tiny_embedder,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import index.snapshot as snapshot_module

    manifest = read_manifest(index_copy)
    _truncate(_generation_file(index_copy, VECTORS_NAME))
    opened: list[Path] = []
    real_open = snapshot_module.IndexSnapshot.open

    def counting_open(*args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(args[0])
        return real_open(*args, **kwargs)

    monkeypatch.setattr(snapshot_module.IndexSnapshot, "open", staticmethod(counting_open))
    holder = IndexHolder(index_copy, tiny_embedder.info)
    for _ in range(3):
        with pytest.raises(CorruptIndex, match=VECTORS_NAME.replace(".", r"\.")):
            holder.current()
    assert len(opened) == 1
    from dataclasses import replace

    write_manifest(index_copy, replace(manifest, generation="gen-999999"))  # a new manifest: tried again
    with pytest.raises(CorruptIndex, match="gen-999999"):
        holder.current()
    assert len(opened) > 1


def test_manifest_naming_a_missing_generation_is_named(index_copy: Path, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    generation = read_manifest(index_copy).generation_dir(index_copy)
    shutil.rmtree(generation)
    with pytest.raises(CorruptIndex, match=generation.name):
        IndexHolder(index_copy, tiny_embedder.info).current()


def test_manifest_counts_that_disagree_with_the_files_are_refused(index_copy: Path, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    manifest = read_manifest(index_copy)
    from dataclasses import replace

    write_manifest(index_copy, replace(manifest, chunks=manifest.chunks + 1))
    with pytest.raises(CorruptIndex, match=MANIFEST_NAME.replace(".", r"\.")):
        IndexSnapshot.open(index_copy, tiny_embedder.info)


def test_legacy_manifest_without_checksums_still_catches_a_truncated_store(index_copy: Path, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    path = index_copy / MANIFEST_NAME
    raw = json.loads(path.read_text())
    raw.pop("files")
    path.write_text(json.dumps(raw))
    assert IndexHolder(index_copy, tiny_embedder.info).current().store.count_chunks() == raw["chunks"]
    store = _generation_file(index_copy, STORE_NAME)
    store.write_bytes(store.read_bytes()[:4096])
    with pytest.raises(CorruptIndex, match=STORE_NAME.replace(".", r"\.")):
        IndexHolder(index_copy, tiny_embedder.info).current()


def test_cli_reports_corruption_as_an_error_not_a_traceback(index_copy: Path, tiny_model_dir: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from search_api.cli import main

    _truncate(_generation_file(index_copy, VECTORS_NAME))
    code = main(["search", "cooperation", "--index", str(index_copy), "--model", str(tiny_model_dir)])
    err = capsys.readouterr().err
    assert code == 2
    assert VECTORS_NAME in err and "Traceback" not in err
