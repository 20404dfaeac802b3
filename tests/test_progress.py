"""The progress store: atomic writes under a lock, damaged files set aside, statuses derived."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from drilltutor.progress import NewerSchema, ProgressStore, drill_progress, record_reveal, record_run


def test_status_moves_from_new_to_attempted_to_passed(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "progress.json")
    assert drill_progress(store.read(), "d").status == "new"
    store.update(record_run("d", passed=False))
    assert drill_progress(store.read(), "d").status == "attempted"
    store.update(record_run("d", passed=True))
    progress = drill_progress(store.read(), "d")
    assert (progress.status, progress.attempts, progress.revealed_before_pass) == ("passed", 2, False)


def test_a_pass_after_a_reveal_is_shown_as_such(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "progress.json")
    store.update(record_reveal("d"))
    assert drill_progress(store.read(), "d").status == "revealed"
    store.update(record_run("d", passed=True))
    assert drill_progress(store.read(), "d").revealed_before_pass


def test_file_carries_a_schema_version(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "progress.json")
    store.update(record_run("d", passed=False))
    assert json.loads((tmp_path / "progress.json").read_text())["schema"] == 2


def test_a_schema_1_file_is_migrated_and_keeps_its_drills(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    path.write_text(json.dumps({"schema": 1, "drills": {"d": {"attempts": 3}}, "checklist": {"x": "2026-01-01"}}))
    data = ProgressStore(path).update(record_run("d", passed=False))
    assert (data["schema"], data["cards"], data["checklist"]) == (2, {}, {"x": "2026-01-01"})
    assert drill_progress(data, "d").attempts == 4


def test_a_file_from_a_newer_drilltutor_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    path.write_text(json.dumps({"schema": 99, "drills": {}}))
    with pytest.raises(NewerSchema):
        ProgressStore(path).read()
    assert json.loads(path.read_text())["schema"] == 99
    assert not list(tmp_path.glob("progress.damaged-*"))


def test_damaged_file_is_moved_aside_kept_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    path.write_text('{"schema": 2, "drills": {')
    store = ProgressStore(path)
    assert store.read()["drills"] == {}
    kept = list(tmp_path.glob("progress.damaged-*.json"))
    assert len(kept) == 1 and kept[0].read_text() == '{"schema": 2, "drills": {'
    assert "moved to" in store.notices[0]


def _bump(path: str) -> None:
    ProgressStore(Path(path)).update(record_run("d", passed=False))


def test_concurrent_processes_lose_no_update(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    with ProcessPoolExecutor(max_workers=4) as pool:
        list(pool.map(_bump, [str(path)] * 20))
    assert drill_progress(ProgressStore(path).read(), "d").attempts == 20
    assert not list(tmp_path.glob(".progress-*"))
