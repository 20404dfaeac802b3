"""The progress file under faults: concurrent runs, kills mid-write, damage, a read-only or
full home, an older schema, and any sequence of the store's operations (hypothesis).

Where a learner would meet the fault, it is driven through the real command in a subprocess.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drilltutor.progress import (
    ATTEMPTED,
    NEW,
    PASSED,
    REVEALED,
    SCHEMA_VERSION,
    ProgressStore,
    drill_progress,
    record_reveal,
    record_run,
    set_ticked,
)
from tests.hardening_support import AS_LEARNER, assert_verdict, command, drilltutor, permissions_bind
from tests.waiting import PATIENCE, eventually

PASSING, FAILING = "answer = 42\nprint(answer)\n", "answer = 41\n"
DRILL = "fixture-answer"


def _valid(path: Path) -> dict:
    """The file as the next drilltutor will read it: JSON, the current schema, the right shape."""
    data = json.loads(path.read_bytes())
    assert data["schema"] == SCHEMA_VERSION
    for key in ("drills", "checklist", "cards"):
        assert isinstance(data[key], dict)
    return data


def _workspace(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    (work / "pass.py").write_text(PASSING)
    (work / "fail.py").write_text(FAILING)
    return work


# Concurrency ------------------------------------------------------------------------------------


def test_twenty_concurrent_runs_lose_no_result(tmp_path: Path) -> None:
    work, home = _workspace(tmp_path), tmp_path / "home"
    env = {**os.environ, "DRILLTUTOR_HOME": str(home), "DRILLTUTOR_DRILLS": str(Path(__file__).parent / "fixtures" / "drills"), "NO_COLOR": "1"}
    runs = [
        subprocess.Popen([*command(), "run", "answer", "pass.py" if i % 2 else "fail.py", "--timeout", "300"], cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for i in range(20)
    ]
    # twenty runs at once on a loaded machine take long: the limits are backstops against a hang, never reached
    outputs = [run.communicate(timeout=2 * PATIENCE)[0].decode() for run in runs]
    assert sorted(run.returncode for run in runs) == [0] * 10 + [1] * 10, outputs
    assert all("note:" not in out for out in outputs), outputs  # no run had to give up on saving
    data = _valid(home / "progress.json")
    progress = drill_progress(data, DRILL)
    assert (progress.status, progress.attempts) == (PASSED, 20)
    assert not list(home.glob(".progress-*"))


# Kills at random moments ------------------------------------------------------------------------

WRITER = """
import sys
from pathlib import Path
from drilltutor.progress import ProgressStore, record_run, set_ticked
store = ProgressStore(Path(sys.argv[1]))
print("ready", flush=True)
n = 0
while True:
    n += 1
    store.update(record_run(f"drill-{n % 40}", passed=n % 7 == 0))
    store.update(set_ticked(f"item-{n % 30}", n % 2 == 0))
"""


def _total_attempts(data: dict) -> int:
    return sum(int(entry.get("attempts", 0)) for entry in data["drills"].values())


@pytest.mark.posix("SIGKILL")
def test_writers_killed_at_random_moments_never_leave_invalid_json(tmp_path: Path) -> None:
    """Two writers at a time, each killed with SIGKILL at a random moment, 40 times over.

    Each round waits until the writers have committed an update before its random moment: so
    every kill lands on writers that are writing, however slowly this machine schedules them.
    """
    path = tmp_path / "progress.json"
    ProgressStore(path).update(lambda data: data["drills"].update({f"old-{i}": {"attempts": 1, "notes": "x" * 400} for i in range(100)}))
    rng = random.Random(6)
    seen = _total_attempts(_valid(path))
    for _ in range(40):
        writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE) for _ in range(2)]
        for writer in writers:
            assert writer.stdout is not None and writer.stdout.readline() == b"ready\n"
        assert eventually(lambda: _total_attempts(_valid(path)) > seen), "the writers never wrote"
        time.sleep(rng.uniform(0, 0.05))  # the kill's random moment, mid-write or between writes
        for writer in writers:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
            writer.stdout.close()  # type: ignore[union-attr]
        data = _valid(path)
        now = _total_attempts(data)
        assert now >= seen, "a committed update was lost"
        seen = now
    ProgressStore(path).update(record_run("after", passed=False))  # the next writer clears what killed ones left
    assert not list(tmp_path.glob(".progress-*.tmp"))


@pytest.mark.posix("SIGKILL")
@pytest.mark.parametrize("moment", ["os.fsync", "os.replace"], ids=["after writing the temporary file", "just before the rename"])
def test_a_writer_killed_inside_the_write_leaves_the_old_file_whole(moment: str, tmp_path: Path) -> None:
    """The same, at the exact moments a random kill only sometimes hits."""
    path = tmp_path / "progress.json"
    ProgressStore(path).update(record_run("d", passed=False))
    before = path.read_bytes()
    script = (
        "import os, sys\nfrom pathlib import Path\nfrom drilltutor.progress import ProgressStore, record_run\n"
        f"{moment} = lambda *a: os.kill(os.getpid(), 9)\n"
        "ProgressStore(Path(sys.argv[1])).update(record_run('d', passed=True))\n"
    )
    assert subprocess.run([sys.executable, "-c", script, str(path)]).returncode == -signal.SIGKILL
    assert path.read_bytes() == before
    assert len(list(tmp_path.glob(".progress-*.tmp"))) == 1  # what the killed writer left
    data = ProgressStore(path).update(record_run("d", passed=True))
    assert drill_progress(data, "d").attempts == 2 and not list(tmp_path.glob(".progress-*.tmp"))


def _kill_when(run: subprocess.Popen[bytes], ready: Callable[[], bool]) -> None:
    eventually(lambda: ready() or run.poll() is not None, every=0.002)
    run.send_signal(signal.SIGKILL)
    run.wait()


@pytest.mark.posix("SIGKILL")
def test_runs_killed_at_random_moments_never_leave_invalid_json(tmp_path: Path) -> None:
    """The real command killed with SIGKILL anywhere in its run: the file stays valid and no checker survives it.

    Half the kills land at a random moment within the length of a whole run (start-up, checks,
    the progress write); the other half the moment the run's checker has started, so that at
    least some surely land mid-check, however fast or slow this machine is today.
    """
    work, home, tmp = _workspace(tmp_path), tmp_path / "home", tmp_path / "tmp"
    whole = drilltutor("run", "answer", "pass.py", cwd=work, home=home)  # makes tmp, the runs' $TMPDIR
    assert whole.code == 0
    env = {**os.environ, "DRILLTUTOR_HOME": str(home), "DRILLTUTOR_DRILLS": str(Path(__file__).parent / "fixtures" / "drills"), "TMPDIR": str(tmp)}
    rng = random.Random(7)
    for i in range(12):
        run = subprocess.Popen([*command(), "run", "answer", "pass.py"], cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if i % 2:
            moment = time.monotonic() + rng.uniform(0, whole.seconds)
            _kill_when(run, lambda: time.monotonic() >= moment)
        else:
            before = set(tmp.glob("drilltutor-run-*"))
            _kill_when(run, lambda: bool(set(tmp.glob("drilltutor-run-*")) - before))
        assert drill_progress(_valid(home / "progress.json"), DRILL).status == PASSED
    # The autouse leak check then proves that no checker process outlived the command that started it.
    # A killed command cannot remove its scratch folder, nor that of the worker it started ahead;
    # a later run does, once the folder is old enough.
    left = list(tmp.glob("drilltutor-run-*"))
    assert len(left) >= 6, f"only {len(left)} of the kills landed mid-check"
    long_ago = time.time() - 3600
    for folder in [*left, *tmp.glob("drilltutor-warm-*")]:
        os.utime(folder, (long_ago, long_ago))
    assert drilltutor("run", "answer", "pass.py", cwd=work, home=home).left_in_tmp == []


# Damage ---------------------------------------------------------------------------------------------

DAMAGE = {
    "cut short": b'{"schema": 2, "drills": {"fixture-answer": {"attempts": 3',
    "empty": b"",
    "not text": bytes(range(256)),
    "not an object": b"[1, 2, 3]",
    "no schema": b'{"drills": {}}',
    "a drill that is not an object": b'{"schema": 2, "drills": {"fixture-answer": 5}, "checklist": {}, "cards": {}}',
    "nested without end": b"[" * 100_000,
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_damaged_file_is_moved_aside_kept_and_reported(damage: bytes, tmp_path: Path) -> None:
    work, home = _workspace(tmp_path), tmp_path / "home"
    home.mkdir()
    (home / "progress.json").write_bytes(damage)
    result = drilltutor("run", "answer", "pass.py", cwd=work, home=home)
    assert_verdict(result, 0, "All 2 checks passed", "note: Your progress file was damaged", "It was moved to", "a new one started")
    kept = list(home.glob("progress.damaged-*.json"))
    assert len(kept) == 1 and kept[0].read_bytes() == damage
    assert str(kept[0]) in result.text
    assert drill_progress(_valid(home / "progress.json"), DRILL).attempts == 1
    listed = drilltutor("list", cwd=work, home=home)
    assert_verdict(listed, 0, "passed")
    assert "damaged" not in listed.text  # reported once, when it was found


def test_a_damaged_file_is_reported_by_list_too(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "progress.json").write_text("{not json")
    result = drilltutor("list", cwd=tmp_path, home=home)
    assert_verdict(result, 0, "note: Your progress file was damaged", "It was moved to")
    assert len(list(home.glob("progress.damaged-*.json"))) == 1


# A home that cannot be written -------------------------------------------------------------------------


@pytest.fixture
def permissions(tmp_path_factory: pytest.TempPathFactory) -> None:
    why = permissions_bind(tmp_path_factory.mktemp("probe"))
    if why:
        pytest.skip(why)


def _read_only_home(tmp_path: Path, work: Path) -> Path:
    home = tmp_path / "home"
    assert drilltutor("run", "answer", "pass.py", cwd=work, home=home).code == 0  # a pass on record
    for path in home.iterdir():
        path.chmod(0o444)
    home.chmod(0o555)
    return home


def test_read_only_home_still_gives_the_verdict(permissions: None, tmp_path: Path) -> None:
    work = _workspace(tmp_path)
    home = _read_only_home(tmp_path, work)
    before = (home / "progress.json").read_bytes()
    try:
        failing = drilltutor("run", "answer", "fail.py", cwd=work, home=home, preexec=AS_LEARNER)
        assert_verdict(failing, 1, "✗ failed answer is 42", "0 of 2 checks passed", "note: Progress not saved", str(home), "Permission denied")
        listed = drilltutor("list", "--json", cwd=work, home=home, preexec=AS_LEARNER)  # reading needs no write access
        assert_verdict(listed, 0)
        assert json.loads(listed.stdout)["drills"][0]["status"] == PASSED
        ticked = drilltutor("tick", "answer", cwd=work, home=home, preexec=AS_LEARNER)
        assert_verdict(ticked, 2, "error: Progress not saved", "Permission denied")
    finally:
        home.chmod(0o755)
    assert (home / "progress.json").read_bytes() == before


def test_read_only_home_with_a_damaged_file(permissions: None, tmp_path: Path) -> None:
    work, home = _workspace(tmp_path), tmp_path / "home"
    home.mkdir()
    (home / "progress.json").write_text("{damaged")
    home.chmod(0o555)
    try:
        result = drilltutor("run", "answer", "pass.py", cwd=work, home=home, preexec=AS_LEARNER)
        assert_verdict(result, 0, "All 2 checks passed", "note: Progress not saved", "Permission denied")
        listed = drilltutor("list", cwd=work, home=home, preexec=AS_LEARNER)
        assert_verdict(listed, 2, "error: Your progress file", "is damaged", "could not be moved aside (Permission denied)", "left as it is")
    finally:
        home.chmod(0o755)
    assert (home / "progress.json").read_text() == "{damaged"  # kept exactly as it was


def test_home_that_cannot_be_created(permissions: None, tmp_path: Path) -> None:
    work = _workspace(tmp_path)
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        result = drilltutor("run", "answer", "pass.py", cwd=work, home=parent / "drilltutor", preexec=AS_LEARNER)
    finally:
        parent.chmod(0o755)
    assert_verdict(result, 0, "All 2 checks passed", "note: Progress not saved", "Permission denied")


def _full_disk() -> None:
    """Writes past 64 bytes fail, as on a full disk (EFBIG rather than ENOSPC; Python ignores SIGXFSZ)."""
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))


@pytest.mark.posix("RLIMIT_FSIZE stands in for a full disk")
def test_full_home_still_gives_the_verdict(tmp_path: Path) -> None:
    work, home = _workspace(tmp_path), tmp_path / "home"
    assert drilltutor("run", "answer", "fail.py", cwd=work, home=home).code == 1
    before = (home / "progress.json").read_bytes()
    result = drilltutor("run", "answer", "pass.py", cwd=work, home=home, preexec=_full_disk)
    assert_verdict(result, 0, "All 2 checks passed", "note: Progress not saved to", "File too large", "the disk may be full")
    assert (home / "progress.json").read_bytes() == before  # the old file, whole; never half a new one
    assert not list(home.glob(".progress-*"))


# Schemas -----------------------------------------------------------------------------------------------


def test_a_schema_1_file_is_migrated_by_a_run(tmp_path: Path) -> None:
    work, home = _workspace(tmp_path), tmp_path / "home"
    home.mkdir()
    (home / "progress.json").write_text(json.dumps({"schema": 1, "drills": {DRILL: {"attempts": 2}}, "checklist": {"x": "2026-01-01T00:00:00+00:00"}}))
    assert_verdict(drilltutor("run", "answer", "pass.py", cwd=work, home=home), 0, "All 2 checks passed")
    data = _valid(home / "progress.json")
    assert data["checklist"] == {"x": "2026-01-01T00:00:00+00:00"} and data["cards"] == {}
    assert drill_progress(data, DRILL).attempts == 3


def test_a_newer_file_is_left_alone_and_the_verdict_still_shown(tmp_path: Path) -> None:
    work, home = _workspace(tmp_path), tmp_path / "home"
    home.mkdir()
    newer = json.dumps({"schema": SCHEMA_VERSION + 1, "drills": {}, "future": True})
    (home / "progress.json").write_text(newer)
    result = drilltutor("run", "answer", "pass.py", cwd=work, home=home)
    assert_verdict(result, 0, "All 2 checks passed", "written by a newer drilltutor")
    assert (home / "progress.json").read_text() == newer


# Any sequence of operations (hypothesis) -----------------------------------------------------------------

DRILLS, ITEMS = ["d1", "d2", "d3"], ["i1", "i2"]
operation = st.one_of(
    st.tuples(st.just("run"), st.sampled_from(DRILLS), st.booleans()),
    st.tuples(st.just("reveal"), st.sampled_from(DRILLS)),
    st.tuples(st.just("tick"), st.sampled_from(ITEMS), st.booleans()),
    st.tuples(st.just("damage"), st.floats(0, 0.99)),
)


class Model:
    """What the store should say, kept the simplest way."""

    def __init__(self) -> None:
        self.attempts = {d: 0 for d in DRILLS}
        self.passed = {d: False for d in DRILLS}
        self.revealed = {d: False for d in DRILLS}
        self.revealed_first = {d: False for d in DRILLS}
        self.ticked: set[str] = set()

    def status(self, drill: str) -> str:
        if self.passed[drill]:
            return PASSED
        if self.revealed[drill]:
            return REVEALED
        return ATTEMPTED if self.attempts[drill] else NEW


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, max_size=25))
def test_any_sequence_of_operations_keeps_a_valid_file_that_matches_a_model(operations: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "progress.json"
        store, model, damaged = ProgressStore(path), Model(), 0
        for op in operations:
            if op[0] == "run":
                _, drill, passed = op
                store.update(record_run(drill, passed))
                model.attempts[drill] += 1
                if passed and not model.passed[drill]:
                    model.passed[drill], model.revealed_first[drill] = True, model.revealed[drill]
            elif op[0] == "reveal":
                store.update(record_reveal(op[1]))
                model.revealed[op[1]] = True
            elif op[0] == "tick":
                _, item, ticked = op
                store.update(set_ticked(item, ticked))
                (model.ticked.add if ticked else model.ticked.discard)(item)
            elif not path.exists():
                continue
            else:  # damage: the file cut at some point, as a crash of another program might leave it
                raw = path.read_bytes()
                path.write_bytes(raw[: int(len(raw) * op[1])])
                store.read()
                damaged += 1
                model = Model()
                continue
            data = _valid(path)
            assert set(data["checklist"]) == model.ticked
            for drill in DRILLS:
                got = drill_progress(data, drill)
                assert (got.status, got.attempts) == (model.status(drill), model.attempts[drill])
                assert got.revealed_before_pass == (model.passed[drill] and model.revealed_first[drill]), (drill, data["drills"].get(drill))
        assert len(store.notices) == damaged
        assert len(list(Path(folder).glob("progress.damaged-*.json"))) == damaged
        assert not list(Path(folder).glob(".progress-*.tmp"))
