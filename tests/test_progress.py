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


SCHEMA_PROBE = """
import sys
from pathlib import Path
from drilltutor.progress import ProgressStore
store = ProgressStore(Path(sys.argv[1]))
store.read()
print("pydantic" in sys.modules, store.notices)
"""


def _pydantic_needed_to_read(path: Path) -> str:
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", SCHEMA_PROBE, str(path)], capture_output=True, text=True, check=True).stdout.strip()


def test_a_file_drilltutor_wrote_reads_without_pydantic_and_an_edited_one_is_checked(tmp_path: Path) -> None:
    """The start-up budget: only a file changed outside drilltutor pays for the schema check."""
    path = tmp_path / "progress.json"
    ProgressStore(path).update(record_run("d", passed=False))
    assert _pydantic_needed_to_read(path) == "False []"
    data = json.loads(path.read_text())
    data["drills"]["d"]["attempts"] = 5  # a valid edit by hand
    path.write_text(json.dumps(data))
    assert _pydantic_needed_to_read(path) == "True []"


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ({"attempts": "many"}, "`drills.d.attempts`: Input should be a valid integer"),
        ({"attempts": -1}, "`drills.d.attempts`: must be 0 or more"),
        ({"passed_after_reveal": 1}, "`drills.d.passed_after_reveal`: Input should be a valid boolean"),
        ({"hints_used": [1], "attempts": None}, "1 more field wrong too"),
    ],
)
def test_fields_of_the_wrong_type_set_the_file_aside(entry: dict, words: str, tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    path.write_text(json.dumps({"schema": 2, "drills": {"d": entry}, "checklist": {}, "cards": {}}))
    store = ProgressStore(path)
    assert store.read()["drills"] == {}
    assert words in store.notices[0] and "moved to" in store.notices[0]
    assert len(list(tmp_path.glob("progress.damaged-*.json"))) == 1
