"""Nothing a run starts outlives it, whatever the learner's code switches off in its own process,
and a run's limits are the run's: the CPU of its processes, their number, their memory together,
the size of the files they write.

The catalogue of leftovers is tests/fixtures/escapes: each file starts processes meant to escape
and writes their pids (and a port) to CONTAIN_RECORD. Each is run to its end, and again with
drilltutor killed by SIGKILL under it (cold, on a worker started ahead as `drilltutor run` starts
one, and warm from the zygote); either way nothing it started may still be running. What holds
the run is outside the learner's process: the keeper (a cold run, and a worker started ahead), the zygote (a warm run on Linux), a Job object (Windows,
simulated here).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from drilltutor import launcher
from drilltutor.catalogue import load_catalogue
from drilltutor.paths import bundled_drills_dir
from drilltutor.runner import RunOptions, run_drill
from tests.conftest import FIXTURES

CATALOGUE = load_catalogue(FIXTURES / "drills")
ANSWER = CATALOGUE.find("answer")
ESCAPES = FIXTURES / "escapes"
SIMULATIONS = Path(__file__).parent / "platform_sim"
GONE_WITHIN = 60.0  # seconds to wait for a stopped process to be gone: generous, a loaded machine is slow to reap
STARTED_WITHIN = 180.0  # seconds for a learner's file to start what it starts, on a loaded machine

linux = pytest.mark.linux("the escapers fork, call setsid and prctl; processes are found in /proc")
CATALOGUE_FILES = ["subreaper_off", "setsid_daemon", "server", "gil_holder", "lifeline_patched"]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _recorded(record: Path) -> tuple[list[int], list[int]]:
    words = record.read_text().split()
    return [int(w) for w in words if w.isdigit()], [int(w[5:]) for w in words if w.startswith("port:")]


def _all_gone(record: Path) -> None:
    """Every recorded process ended and every recorded port closed, waiting as long as a slow machine needs."""
    pids, ports = _recorded(record)
    assert pids, "the learner's file recorded nothing: the test would test nothing"
    deadline = time.monotonic() + GONE_WITHIN
    while (any(_alive(pid) for pid in pids) or any(_listening(port) for port in ports)) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in pids if _alive(pid)]
    for pid in left:  # do not leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert not left, f"still running after the run: {left}"
    assert not [port for port in ports if _listening(port)], "a port is still served"


def _wait_for(record: Path, parent: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTED_WITHIN
    while not record.exists() and time.monotonic() < deadline:
        assert parent.poll() is None, "the run ended before the learner's file had started everything"
        time.sleep(0.05)
    assert record.exists(), "the learner's file never got to start its processes"


def _learner(tmp_path: Path, name: str) -> Path:
    learner = tmp_path / ANSWER.file
    learner.write_text((ESCAPES / f"{name}.py").read_text(encoding="utf-8"), encoding="utf-8")
    return learner


@linux
@pytest.mark.parametrize("how", ["cold", "ahead"])
@pytest.mark.parametrize("name", CATALOGUE_FILES)
def test_nothing_outlives_the_run(name: str, how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = tmp_path / "record"
    monkeypatch.setenv("CONTAIN_RECORD", str(record))
    with launcher.started_ahead() if how == "ahead" else contextlib.nullcontext():  # as `drilltutor run` starts its worker
        run_drill(CATALOGUE, ANSWER, _learner(tmp_path, name), RunOptions(timeout=3), ahead=launcher.started())  # the GIL holder ends by its CPU limit
    _all_gone(record)


KILLED = """
import sys
from pathlib import Path
from drilltutor import launcher
from drilltutor.catalogue import load_catalogue
from drilltutor.runner import RunOptions, run_drill
from drilltutor.warm import WarmRunner
catalogue = load_catalogue(Path(sys.argv[1]))
answer = catalogue.find("answer")
if sys.argv[3] == "warm":
    with WarmRunner(cold_until_ready=False) as warm:
        warm(catalogue, answer, Path(sys.argv[2]), RunOptions(timeout=300))
elif sys.argv[3] == "ahead":
    with launcher.started_ahead():
        run_drill(catalogue, answer, Path(sys.argv[2]), RunOptions(timeout=300), ahead=launcher.started())
else:
    run_drill(catalogue, answer, Path(sys.argv[2]), RunOptions(timeout=300))
"""


def _kill_drilltutor_mid_run(learner: Path, record: Path, how: str, sim: str | None = None) -> None:
    env = {**os.environ, "CONTAIN_RECORD": str(record), "CONTAIN_BLOCK": "1"}
    if sim is not None:
        env["PYTHONPATH"] = str(SIMULATIONS / sim)
    parent = subprocess.Popen([sys.executable, "-c", KILLED, str(FIXTURES / "drills"), str(learner), how], env=env)
    try:
        _wait_for(record, parent)
    finally:
        parent.kill()  # SIGKILL: drilltutor cleans up nothing; what holds the run must
        parent.wait()


@linux
@pytest.mark.parametrize("how", ["cold", "ahead", "warm"])
@pytest.mark.parametrize("name", CATALOGUE_FILES)
def test_nothing_outlives_drilltutor_killed(name: str, how: str, tmp_path: Path) -> None:
    record = tmp_path / "record"
    _kill_drilltutor_mid_run(_learner(tmp_path, name), record, how)
    _all_gone(record)


@pytest.mark.linux("the simulations are built on Linux")
@pytest.mark.parametrize("sim", ["macos", "windows"])
def test_simulated_systems_stop_the_run_when_drilltutor_is_killed(sim: str, tmp_path: Path) -> None:
    """macOS-like: the keeper stops its tree (no subreaper there: the sleeper stays in the tree).
    Windows-like: the simulated Job object ends every process it ever held when its handle closes."""
    record = tmp_path / "record"
    _kill_drilltutor_mid_run(_learner(tmp_path, "lifeline_patched"), record, "cold", sim)
    _all_gone(record)


@pytest.mark.linux("the simulations are built on Linux")
def test_simulated_job_object_holds_the_run_to_its_end(tmp_path: Path) -> None:
    record = tmp_path / "record"
    env = {**os.environ, "CONTAIN_RECORD": str(record), "PYTHONPATH": str(SIMULATIONS / "windows")}
    learner = _learner(tmp_path, "lifeline_patched")
    out = subprocess.run([sys.executable, "-c", KILLED.replace("RunOptions(timeout=300)", "RunOptions(timeout=60)"), str(FIXTURES / "drills"), str(learner), "cold"], env=env, timeout=600)
    assert out.returncode == 0
    _all_gone(record)


# The run's limits, each with a message that names its cause. ------------------------------------


def _run(tmp_path: Path, name: str, options: RunOptions) -> tuple[str, str]:
    report = run_drill(CATALOGUE, ANSWER, _learner(tmp_path, name), options)
    assert report.problem is not None, report.to_dict()
    return report.problem.kind, report.problem.message


@pytest.mark.posix("fork")
def test_a_fork_bomb_is_too_many_processes(tmp_path: Path) -> None:
    kind, message = _run(tmp_path, "fork_bomb", RunOptions(timeout=60))
    assert kind == "processes", message
    assert "too many processes" in message and "fork bomb" in message


@pytest.mark.linux("RLIMIT_FSIZE as Linux applies it")
def test_a_file_without_end_is_refused_at_the_size_limit(tmp_path: Path) -> None:
    from drilltutor.limits import FILE_SIZE_LIMIT

    kind, message = _run(tmp_path, "big_file", RunOptions(timeout=60))
    assert kind == "file-size", message
    assert "wrote a file larger than 32 MB" in message
    written = list(tmp_path.rglob("big.bin")) + list(Path("/tmp").glob("drilltutor-run-*/big.bin"))
    assert all(path.stat().st_size <= FILE_SIZE_LIMIT for path in written)


def test_memory_is_the_runs_not_one_processs(tmp_path: Path) -> None:
    kind, message = _run(tmp_path, "memory_tree", RunOptions(timeout=60, memory_limit=512 * 1024**2))
    assert kind == "memory", message
    assert "all its processes together" in message


def test_a_busy_loop_ends_by_its_cpu(tmp_path: Path) -> None:
    kind, message = _run(tmp_path, "busy_loop", RunOptions(timeout=2))
    assert kind == "timeout", message
    assert "of CPU" in message and "Look for an endless loop" in message


def test_a_sleeper_ends_at_the_backstop(tmp_path: Path) -> None:
    learner = tmp_path / ANSWER.file
    learner.write_text("import time\ntime.sleep(300)\n", encoding="utf-8")
    report = run_drill(CATALOGUE, ANSWER, learner, RunOptions(timeout=1))
    assert report.problem is not None and report.problem.kind == "timeout"
    assert "waited 6 s without finishing" in report.problem.message and "blocking call" in report.problem.message


# A correct file still passes on a loaded machine. -------------------------------------------------

BUSY = "while True:\n    pass\n"
SLOWEST = ["exercise-3", "project", "tests"]


def test_correct_files_pass_with_six_busy_processes_beside_them(tmp_path: Path) -> None:
    """The references of the slowest drills pass with the default limits while six busy loops
    compete for the cores: the limits count CPU, and a loaded machine only makes a run slower."""
    drills = load_catalogue(bundled_drills_dir())
    busy = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(6)]
    try:
        for drill_id in SLOWEST:
            drill = drills.find(drill_id)
            result = subprocess.run(
                [sys.executable, "-m", "drilltutor", "run", drill_id, str(drill.solution_path)],
                cwd=tmp_path,
                env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
                capture_output=True,
                text=True,
                timeout=3600,
            )
            assert result.returncode == 0, f"{drill_id}:\n{result.stdout}\n{result.stderr}"
    finally:
        for proc in busy:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("found_by", ["psutil", "children lists"])
def test_a_tree_is_killed_from_its_leaves_up(monkeypatch: pytest.MonkeyPatch, found_by: str) -> None:
    """Two walks stop a run's tree when drilltutor is killed (the judge's and the keeper's). A
    walk cut short after it killed a parent would leave that parent's children orphaned, out
    of the other walk's tree (no subreaper on macOS): each walk kills the deepest first. The
    same whether psutil finds the tree or Linux's lists of each process's children do."""
    import psutil

    from drilltutor import platform
    from drilltutor.platform import tree

    killed: list[int] = []
    family = {1: [2, 3], 2: [3], 3: []}  # everything below each: 1 -> 2 -> 3, found parents first

    class Fake:
        def __init__(self, pid: int) -> None:
            self.pid = pid

        def children(self, recursive: bool = False) -> list[Fake]:
            return [Fake(pid) for pid in family[self.pid]]

        def suspend(self) -> None:
            pass

        def kill(self) -> None:
            killed.append(self.pid)

    with monkeypatch.context() as patched:  # undone before the leak check looks at real processes
        patched.setattr(psutil, "Process", Fake)
        patched.setattr(platform.family(), "descendant_pids", (lambda pid: None) if found_by == "psutil" else family.get)
        tree.stop_tree(1)
        stopped_tree = list(killed)
        killed.clear()
        tree.stop_descendants(1)
    assert stopped_tree == [3, 2, 1]
    assert killed == [3, 2]


@pytest.mark.linux("the kernel's lists of each process's children are Linux's")
def test_linux_finds_a_tree_by_its_childrens_lists() -> None:
    """What the lists give is what psutil finds by scanning every process: a child, and the
    grandchild it started, each parent first; nothing for a process with none."""
    import psutil

    from drilltutor.platform import linux

    child = subprocess.Popen([sys.executable, "-c", "import subprocess, sys; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); import time; time.sleep(60)"])
    try:
        deadline = time.monotonic() + 30
        while len(psutil.Process(child.pid).children()) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        found = linux.descendant_pids(os.getpid())
        assert found is not None
        scanned = [p.pid for p in psutil.Process(os.getpid()).children(recursive=True)]
        assert child.pid in found and len(scanned) >= 2 and set(scanned) <= set(found)
        assert found.index(child.pid) < found.index(psutil.Process(child.pid).children()[0].pid)
        assert linux.descendant_pids(psutil.Process(child.pid).children()[0].pid) == []
    finally:
        tree_pids = [p.pid for p in psutil.Process(child.pid).children(recursive=True)]
        child.kill()
        child.wait()
        for pid in tree_pids:
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).kill()
