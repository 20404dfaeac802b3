"""drilltutor under simulated Windows and macOS (tests/platform_sim): the CLI behaves as on Linux.

Every Python the CLI starts (the runs, the second process of exercise-3, the warm
runner's workers) inherits the simulation through PYTHONPATH. Limits are generous on
purpose: these tests check verdicts and exit codes, never speed.
"""

from __future__ import annotations

import json
import re
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from drilltutor.catalogue import load_catalogue
from drilltutor.paths import bundled_drills_dir
from drilltutor.variants import load_variants

SIMULATIONS = Path(__file__).parent / "platform_sim"
DRILLS = bundled_drills_dir()
SLOW_MACHINE = "120"  # seconds for a whole run: CI is a loaded 2-core box


def _cli(sim: str, workspace: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SIMULATIONS / sim), "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("DRILLTUTOR_DRILLS", None)
    return subprocess.run(
        [sys.executable, "-m", "drilltutor", *args], cwd=workspace, env=env, input=stdin, capture_output=True, text=True, timeout=600
    )


def _exit(result: subprocess.CompletedProcess[str]) -> int:
    assert "Traceback" not in result.stderr and "drilltutor itself failed" not in result.stdout + result.stderr, result.stdout + result.stderr
    return result.returncode


@pytest.fixture(params=[pytest.param(s, marks=pytest.mark.linux("the simulations are built on Linux")) for s in ("windows", "macos")])
def sim(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_the_simulation_is_in_force(sim: str, tmp_path: Path) -> None:
    probe = "import os, drilltutor.platform as p; print(p.family().__name__.rsplit('.', 1)[1], hasattr(os, 'fork'))"
    env = {**os.environ, "PYTHONPATH": str(SIMULATIONS / sim)}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out == (["windows", "False"] if sim == "windows" else ["posix", "True"])


def test_learning_a_script_drill(sim: str, tmp_path: Path) -> None:
    """list, start, run (reference, starter, a known mistake, an endless loop), progress, watch, reset."""
    assert _exit(_cli(sim, tmp_path, "list")) == 0
    assert _exit(_cli(sim, tmp_path, "start", "jwt")) == 0
    learner = tmp_path / "drill_2_jwt.py"
    assert learner.exists()
    assert _exit(_cli(sim, tmp_path, "run", "jwt", "--timeout", SLOW_MACHINE)) == 1  # the starter
    mistake = tmp_path / "mistake.py"
    (hardcoded_secret,) = [v for v in load_variants(DRILLS / "drill-2-jwt" / "mistakes.toml", "mistake", DRILLS / "drill-2-jwt" / "solution.py") if v.name == "hardcoded_secret"]
    mistake.write_text(hardcoded_secret.source(), encoding="utf-8")
    assert _exit(_cli(sim, tmp_path, "run", "jwt", str(mistake), "--timeout", SLOW_MACHINE)) == 1
    (tmp_path / "loop.py").write_text("while True:\n    pass\n", encoding="utf-8")
    endless = _cli(sim, tmp_path, "run", "jwt", "loop.py", "--timeout", "3")
    assert _exit(endless) == 1 and "of CPU" in endless.stdout
    shutil.copy(DRILLS / "drill-2-jwt" / "solution.py", learner)
    passed = _cli(sim, tmp_path, "run", "jwt", "--timeout", SLOW_MACHINE)
    assert _exit(passed) == 0, passed.stdout
    # Neither simulation lets RLIMIT_AS be set: the run says so, once.
    assert passed.stdout.count("does not let drilltutor limit a run's memory") == 1
    watched = _cli(sim, tmp_path, "watch", "jwt", "--manual", "--timeout", SLOW_MACHINE, stdin="q\n")
    assert _exit(watched) == 0, watched.stdout
    progress = _cli(sim, tmp_path, "progress", "--json")
    assert _exit(progress) == 0
    assert {row["id"]: row["status"] for row in json.loads(progress.stdout)["drills"]}["drill-2"] == "passed"
    assert _exit(_cli(sim, tmp_path, "reset", "jwt", "--yes")) == 0


@pytest.mark.parametrize("drill", ["drill-6", "exercise-3"])
def test_real_servers_and_a_second_process(sim: str, drill: str, tmp_path: Path) -> None:
    """drill-6 serves the app on a real uvicorn; exercise-3 starts it again in a new process."""
    reference = load_catalogue(DRILLS).find(drill).solution_path  # exercise-3's is written out from its solution.toml
    result = _cli(sim, tmp_path, "run", drill, str(reference), "--timeout", SLOW_MACHINE)
    assert _exit(result) == 0, result.stdout


SEAM = Path(__file__).resolve().parent.parent / "drilltutor" / "platform"
OS_SPECIFIC = re.compile(r"\bimport (fcntl|resource|termios)\b|\bimport signal\b|\bos\.(fork|setsid|killpg|getpgid|pidfd_open)\b|\bsignal\.")


def test_only_the_seam_knows_the_os() -> None:
    """drilltutor's code and every drill's checks reach OS specifics only through drilltutor/platform."""
    roots = [SEAM.parent, DRILLS]
    found = [
        f"{path}:{number}: {line.strip()}"
        for root in roots
        for path in sorted(root.rglob("*.py"))
        if SEAM not in path.parents and path.name not in ("solution.py", "starter.py")
        and "alternatives" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if OS_SPECIFIC.search(line) and not line.lstrip().startswith("#")
    ]
    assert not found, "\n".join(found)


def test_where_memory_cannot_be_limited_a_watchdog_stops_the_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from drilltutor import runner
    from drilltutor.catalogue import load_catalogue
    from tests.conftest import FIXTURES

    monkeypatch.setenv("PYTHONPATH", str(SIMULATIONS / "macos"))  # the run's Python cannot set RLIMIT_AS
    monkeypatch.setattr(runner, "_SAID", set())
    catalogue = load_catalogue(FIXTURES / "drills")
    answer = catalogue.find("answer")
    learner = tmp_path / answer.file
    learner.write_text("import time\nhog = b'x' * 600_000_000\ntime.sleep(120)\n", encoding="utf-8")
    options = runner.RunOptions(timeout=120, memory_limit=300 * 1024**2)
    report = runner.run_drill(catalogue, answer, learner, options)
    assert report.problem is not None and report.problem.kind == "memory", report.to_dict()
    assert "used more than 300 MiB of memory" in report.problem.message
    assert len(report.notices) == 1 and "RLIMIT_AS" in report.notices[0]
    again = runner.run_drill(catalogue, answer, answer.solution_path, runner.RunOptions(timeout=120))
    assert again.passed and again.notices == []  # said once


_SUITE_RUNS = """
import importlib.util, json, random, sys
from drilltutor.checking.suite import run_versions
spec = importlib.util.spec_from_file_location("tests_verify_checks", sys.argv[1])
checks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(checks)
suite = open(sys.argv[2], encoding="utf-8").read()
runs = run_versions(suite, checks.TEST_FILE, "tasks_api", checks.versions(random.Random()), names=tuple(sorted(checks.KEEP)), preload=checks.PRELOAD, timeout=300, budget=600, correct={"second"})
print(json.dumps({label: run.passed for label, run in runs.items()}))
"""


def _suite_passes(sim: str, suite: Path, workspace: Path) -> dict[str, bool]:
    """Whether `suite` passes against the reference Tasks API, the second correct one and each broken
    copy, rendered and run as the tests drill runs them (drilltutor.checking.suite) in a Python of the
    simulated OS."""
    checks = next(DRILLS.glob("tests-*")) / "checks.py"
    env = {**os.environ, "PYTHONPATH": str(SIMULATIONS / sim), "SECRET_KEY": "a-secret-for-the-tasks-api"}  # as a run has it
    out = subprocess.run(
        [sys.executable, "-c", _SUITE_RUNS, str(checks), str(suite)], cwd=workspace, env=env, capture_output=True, text=True, timeout=900
    )
    assert out.returncode == 0, out.stderr
    return dict(json.loads(out.stdout))


def test_a_learners_suite_is_judged_without_fork(tmp_path: Path) -> None:
    """Under Windows each version's pytest runs in a fresh Python: the reference suite passes only
    against the correct apps, and a suite without the duplicate test lets both duplicate copies through."""
    from drilltutor import devcheck
    from drilltutor.catalogue import load_catalogue

    drill = load_catalogue(DRILLS).find("tests")
    good = _suite_passes("windows", drill.solution_path, tmp_path)
    assert sorted(label for label, passed in good.items() if passed) == ["reference", "second"], good
    weak = next(case for case in devcheck.cases(drill) if case.subject == "mistakes.toml:no_duplicate_test")
    missed = _suite_passes("windows", weak.file(tmp_path), tmp_path)
    assert weak.expect == ("catches-duplicate-overwrites", "catches-duplicate-answered-409")
    assert sorted(label for label, passed in missed.items() if passed) == ["duplicate-answered-409", "duplicate-overwrites", "reference", "second"], missed
