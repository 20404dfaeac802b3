"""The launcher: `drilltutor run`'s worker started as the command's first step, and what every
process drilltutor starts of its own is given.

A worker started ahead must be a cold run's worker in every way that counts: the learner's
file sees its run's environment and folder, not those the worker started with; it is
replaced when it ended before its job; and when no run takes it, it is stopped and its
folder removed. What it leaves running is the containment tests' (test_containment.py).
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from drilltutor import launcher
from drilltutor.catalogue import load_catalogue
from drilltutor.runner import RunOptions, run_drill
from tests.conftest import FIXTURES

CATALOGUE = load_catalogue(FIXTURES / "drills")
ANSWER = CATALOGUE.find("answer")
QUICK = RunOptions(timeout=60)  # these tests are about where a run happens, not its speed

WHERE = "import os, sys\nprint(os.getcwd())\nprint(os.environ.get('DRILLTUTOR_HOME'))\nprint(os.environ['SECRET_KEY'])\nprint(sys.path[0])\nanswer = 42\nprint(answer)\n"

ENTRY = """
import json, sys
from drilltutor import launcher

seen = {{"started with": [], "ran": 0}}

class Recording(launcher.Ahead):
    def __init__(self):
        seen["started with"].append(sorted(m for m in ("typer", "rich", "drilltutor.cli") if m in sys.modules))
        super().__init__()

    def run(self, job):
        seen["ran"] += 1
        return super().run(job)

launcher.Ahead = Recording
sys.argv = ["drilltutor", *{args!r}]
from drilltutor.entry import main
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({{**seen, "code": code}}), file=sys.stderr)
"""


def _entry(args: list[str], tmp_path: Path) -> dict[str, Any]:
    """How `drilltutor ARGS` went, as the console script runs it: what the CLI had imported each
    time a worker was started ahead, how many runs went to such a worker, and the exit code."""
    env = {**os.environ, "DRILLTUTOR_DRILLS": str(FIXTURES / "drills"), "TMPDIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", ENTRY.format(args=args)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    return dict(json.loads(out.stderr.strip().splitlines()[-1]))


def test_run_starts_its_worker_before_the_cli_imports_anything_heavy_and_runs_on_it(tmp_path: Path) -> None:
    learner = tmp_path / "answer.py"
    learner.write_text("answer = 42\nprint(answer)\n", encoding="utf-8")
    assert _entry(["run", "answer", str(learner)], tmp_path) == {"started with": [[]], "ran": 1, "code": 0}
    assert not list(tmp_path.glob(launcher.AHEAD_PREFIX + "*")) and _workers_of(tmp_path) == []


@pytest.mark.parametrize("args", [["list"], ["run"], ["run", "answer", "--help"], ["hint", "answer"]])
def test_no_other_command_starts_a_worker(args: list[str], tmp_path: Path) -> None:
    assert _entry(args, tmp_path)["started with"] == []


def _where(report_output: str) -> tuple[str, str, str, str]:
    cwd, home, secret, path0, _answer = report_output.splitlines()
    return cwd, home, secret, path0


def test_a_worker_started_ahead_takes_on_its_runs_folder_and_environment(tmp_path: Path) -> None:
    learner = tmp_path / ANSWER.file
    learner.write_text(WHERE, encoding="utf-8")
    ahead = launcher.Ahead()
    try:
        report = run_drill(CATALOGUE, ANSWER, learner, QUICK, ahead=ahead)
    finally:
        ahead.close()
    assert report.passed, report.to_dict()
    cwd, home, secret, path0 = _where(report.output)
    cold = _where(run_drill(CATALOGUE, ANSWER, learner, QUICK).output)
    assert Path(cwd).name.startswith("drilltutor-run-"), "the run's own scratch folder"
    assert path0 == cold[3], "sys.path as a cold run has it"
    assert not Path(cwd).name.startswith(launcher.AHEAD_PREFIX) and cwd != cold[0]
    assert home == cold[1] == "None", "drilltutor's own settings never reach the learner"
    assert len(secret) == 64 and secret != cold[2], "a fresh SECRET_KEY for every run"
    assert not Path(ahead.home.path).exists()


def test_a_worker_that_ended_before_its_job_is_replaced() -> None:
    ahead = launcher.Ahead()
    try:
        assert ahead.pid is not None
        psutil.Process(ahead.pid).kill()
        psutil.Process(ahead.pid).wait(60)
        assert not ahead.alive()
        assert run_drill(CATALOGUE, ANSWER, ANSWER.solution_path, QUICK, ahead=ahead).passed
    finally:
        ahead.close()


class _Untouchable(launcher.Ahead):
    def run(self, job: Any) -> Any:
        raise AssertionError("a run as another user took the worker started ahead")


def test_a_run_as_another_user_never_takes_a_worker_started_ahead() -> None:
    ahead = _Untouchable()
    try:
        me = launcher.platform.RunAs(name=psutil.Process().username(), uid=os.getuid(), gid=os.getgid())
        run_drill(CATALOGUE, ANSWER, ANSWER.solution_path, RunOptions(timeout=60, run_as=me), ahead=ahead)
        assert ahead.alive(), "the run started its own worker, dropped to that user"
    finally:
        ahead.close()


def _workers_of(tmp_path: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if "drilltutor.platform.keeper" in " ".join(proc.info["cmdline"] or ()) and proc.environ().get("TMPDIR") == str(tmp_path):
                found.append(proc)
        except psutil.Error:
            continue
    return found


@pytest.mark.parametrize("args", [["run", "no-such-drill", "x.py"], ["run", "answer", "missing.py"]])
def test_a_worker_no_run_took_is_stopped_and_its_folder_removed(args: list[str], tmp_path: Path) -> None:
    env = {**os.environ, "DRILLTUTOR_DRILLS": str(FIXTURES / "drills"), "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "drilltutor", *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert not list(tmp_path.glob(launcher.AHEAD_PREFIX + "*")), "the worker's folder is removed"
    assert _workers_of(tmp_path) == [], "the worker is stopped"


def test_the_command_gives_its_run_the_runs_own_folder_and_environment(tmp_path: Path) -> None:
    env = {**os.environ, "DRILLTUTOR_DRILLS": str(FIXTURES / "drills"), "TMPDIR": str(tmp_path), "NO_COLOR": "1"}
    learner = tmp_path / "answer.py"
    learner.write_text(WHERE, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "drilltutor", "run", "answer", str(learner), "--json"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    cwd, home, _secret, path0 = _where(json.loads(done.stdout)["output"])
    assert Path(cwd).parent == tmp_path and Path(cwd).name.startswith("drilltutor-run-") and path0 == str(tmp_path)
    assert home == "None"
    assert not list(tmp_path.glob(launcher.AHEAD_PREFIX + "*")) and _workers_of(tmp_path) == []


def test_every_process_of_ours_finds_this_copy_of_drilltutor_first() -> None:
    env = launcher.findable({"PYTHONPATH": os.pathsep.join(["/elsewhere", launcher.PACKAGE_ROOT, "/more"])})
    assert env["PYTHONPATH"].split(os.pathsep) == [launcher.PACKAGE_ROOT, "/elsewhere", "/more"]
    assert launcher.findable({})["PYTHONPATH"] == launcher.PACKAGE_ROOT
    assert launcher.base_env("m")["PYTHONPATH"].split(os.pathsep)[0] == launcher.PACKAGE_ROOT


def test_the_cold_and_the_ahead_run_give_the_same_verdict() -> None:
    ahead = launcher.Ahead()
    try:
        runs = [functools.partial(run_drill, ahead=ahead), run_drill]
        reports = [run(CATALOGUE, ANSWER, ANSWER.starter, QUICK) for run in runs]
    finally:
        ahead.close()
    ahead_run, cold_run = ([(c.id, c.status, c.sent, c.got, c.expected, c.fix) for c in report.checks] for report in reports)
    assert ahead_run == cold_run and not reports[0].passed


def test_a_sweep_removes_what_killed_runs_left_and_nothing_that_lives(tmp_path: Path) -> None:
    from filelock import FileLock

    from drilltutor.runner import sweep_scratch

    long_ago = time.time() - 3600
    left = {name: tmp_path / name for name in ("drilltutor-run-left", "drilltutor-warm-left", "drilltutor-warm-young", "drilltutor-warm-held", "not-ours")}
    for folder in left.values():
        folder.mkdir()
    (left["drilltutor-run-left"] / "learner.db").write_text("x", encoding="utf-8")
    orphan = tmp_path / ("drilltutor-warm-gone" + launcher.LOCK_SUFFIX)  # a zygote removed its own folder
    orphan.write_text("", encoding="utf-8")
    held = FileLock(str(left["drilltutor-warm-held"]) + launcher.LOCK_SUFFIX)
    held.acquire()
    try:
        for path in [orphan, *(left[name] for name in ("drilltutor-run-left", "drilltutor-warm-left", "drilltutor-warm-held", "not-ours"))]:
            os.utime(path, (long_ago, long_ago))
        sweep_scratch(str(tmp_path))
        assert sorted(p.name for p in tmp_path.iterdir()) == ["drilltutor-warm-held", "drilltutor-warm-held" + launcher.LOCK_SUFFIX, "drilltutor-warm-young", "not-ours"]
    finally:
        held.release()
