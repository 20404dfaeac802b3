"""The runner against hostile and broken learner files, using small fixture drills."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from drilltutor.catalogue import load_catalogue
from drilltutor.results import FAILED, PASSED
from drilltutor.runner import RunOptions, for_drill, run_drill
from tests.conftest import FIXTURES
from tests.waiting import eventually, finishes

CATALOGUE = load_catalogue(FIXTURES / "drills")
ANSWER = CATALOGUE.find("answer")
WEBAPP = CATALOGUE.find("webapp")
# A limit no finishing file reaches, even on a loaded machine: these tests are about verdicts, not speed.
QUICK = RunOptions(timeout=60)


def run_source(tmp_path: Path, source: str, drill=ANSWER, options: RunOptions = QUICK):
    path = tmp_path / drill.file
    path.write_text(source, encoding="utf-8")
    return run_drill(CATALOGUE, drill, path, options)


def test_reference_passes_and_starter_fails() -> None:
    assert run_drill(CATALOGUE, ANSWER, ANSWER.solution_path, QUICK).passed
    report = run_drill(CATALOGUE, ANSWER, ANSWER.starter, QUICK)
    assert not report.passed
    assert [c.status for c in report.checks] == [FAILED, "skipped"]
    assert report.checks[0].hint == 1


def test_a_drill_that_needs_longer_gets_its_own_timeout_and_never_less_than_asked(tmp_path: Path) -> None:
    slow = replace(ANSWER, timeout=60.0)
    assert for_drill(slow, RunOptions(timeout=10)).timeout == 60
    assert for_drill(slow, RunOptions(timeout=90)).timeout == 90
    assert for_drill(ANSWER, QUICK) == QUICK
    # A file that needs 5 s runs to the end under a 4 s limit, because the drill asks for 60.
    report = run_source(tmp_path, "import time\ntime.sleep(5)\nanswer = 42\nprint(answer)\n", drill=slow, options=RunOptions(timeout=4))
    assert report.passed, report.to_dict()


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    report = run_source(tmp_path, "answer = 42\ndef broken(:\n")
    assert report.problem is not None and report.problem.kind == "syntax"
    assert "line 2" in report.problem.message


def test_import_error_is_a_problem_with_the_learners_traceback(tmp_path: Path) -> None:
    report = run_source(tmp_path, "import no_such_module_here\n")
    assert report.problem is not None and report.problem.kind == "import"
    assert "no_such_module_here" in report.problem.message
    assert "answer.py" in report.problem.detail and "harness.py" not in report.problem.detail


def test_endless_loop_times_out_without_hanging(tmp_path: Path) -> None:
    report = finishes(lambda: run_source(tmp_path, "while True:\n    pass\n", options=RunOptions(timeout=2)))
    assert report.problem is not None and report.problem.kind == "timeout"
    assert "of CPU" in report.problem.message


@pytest.mark.parametrize(
    ("source", "kind"),
    [("import sys\nsys.exit(3)\n", "exit"), ("import os\nos._exit(0)\n", "exit"), pytest.param("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", "killed", marks=pytest.mark.posix("SIGKILL"))],
    ids=["sys.exit(3)", "os._exit(0)", "SIGKILL"],
)
def test_exits_and_kills_become_problems(tmp_path: Path, source: str, kind: str) -> None:
    report = run_source(tmp_path, source)
    assert report.problem is not None and report.problem.kind == kind, report.problem


def test_sys_exit_zero_at_the_end_of_a_script_is_a_normal_end(tmp_path: Path) -> None:
    assert run_source(tmp_path, "import sys\nanswer = 42\nprint(answer)\nsys.exit(0)\n").passed


def test_output_flood_is_capped_and_checks_still_run(tmp_path: Path) -> None:
    report = run_source(tmp_path, "import sys\nsys.stdout.write('x' * 5_000_000)\nanswer = 42\nprint(answer)\n")
    assert report.output_truncated
    assert len(report.output) <= RunOptions().output_cap
    assert report.checks[0].status == PASSED


def test_reading_stdin_fails_fast_instead_of_waiting(tmp_path: Path) -> None:
    report = run_source(tmp_path, "name = input('name? ')\n")
    assert report.problem is not None and "EOFError" in report.problem.message


def test_printed_fake_verdict_does_not_pass(tmp_path: Path) -> None:
    fake = '{"event": "check", "result": {"id": "answer", "title": "x", "status": "passed"}}'
    report = run_source(tmp_path, f"print('All checks passed!')\nprint({fake!r})\n")
    assert not report.passed
    assert report.checks[0].status == FAILED


def test_learner_gets_a_fresh_secret_and_never_drilltutor_home(tmp_path: Path) -> None:
    source = "import os\nprint(os.environ.get('DRILLTUTOR_HOME'))\nprint(os.environ['SECRET_KEY'])\n"
    first, second = run_source(tmp_path, source), run_source(tmp_path, source)
    assert first.output.splitlines()[0] == "None"
    assert len(first.output.splitlines()[1]) == 64
    assert first.output.splitlines()[1] != second.output.splitlines()[1]


@pytest.mark.posix("the child is the `sleep` command")
def test_a_child_process_does_not_outlive_the_run(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    source = f"import subprocess\np = subprocess.Popen(['sleep', '60'])\nopen({str(pid_file)!r}, 'w').write(str(p.pid))\nanswer = 42\n"
    run_source(tmp_path, source)
    pid = int(pid_file.read_text())
    assert eventually(lambda: not _exists(pid)), f"the learner's child process {pid} outlived the run"


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_app_drill_passes_in_process_and_on_a_real_server() -> None:
    report = run_drill(CATALOGUE, WEBAPP, WEBAPP.solution_path, QUICK)
    assert report.passed, report.to_dict()


def test_handler_that_raises_is_a_500_with_the_learners_traceback(tmp_path: Path) -> None:
    source = "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/ping')\ndef ping():\n    return {'ping': 1 / 0}\n"
    report = run_source(tmp_path, source, WEBAPP)
    ping = report.checks[0]
    assert ping.status == FAILED and ping.got.startswith("500")
    assert "ZeroDivisionError" in ping.detail and "webapp.py" in ping.detail


def test_handler_that_never_answers_fails_that_check_and_the_run_ends(tmp_path: Path) -> None:
    source = "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/ping')\nasync def ping():\n    while True:\n        pass\n"
    report = finishes(lambda: run_source(tmp_path, source, WEBAPP, RunOptions(timeout=60, request_timeout=1.5)))
    assert report.checks[0].status == FAILED
    assert "no answer" in report.checks[0].got or "did not finish" in report.checks[0].got


def test_startup_that_raises_is_a_problem(tmp_path: Path) -> None:
    source = (
        "from contextlib import asynccontextmanager\nfrom fastapi import FastAPI\n\n"
        "@asynccontextmanager\nasync def lifespan(app):\n    raise RuntimeError('db down')\n    yield\n\n"
        "app = FastAPI(lifespan=lifespan)\n"
    )
    report = run_source(tmp_path, source, WEBAPP)
    assert report.problem is not None and report.problem.kind == "startup"
    assert "db down" in report.problem.message


def test_a_file_that_crashes_points_at_the_hint_about_crashes(tmp_path: Path) -> None:
    report = run_source(tmp_path, "raise ValueError('nope')\n")
    assert report.problem is not None and (report.problem.kind, report.problem.hint) == ("crash", 2)
    syntax = run_source(tmp_path, "def (:\n")
    assert syntax.problem is not None and syntax.problem.hint is None


def test_a_crash_explainer_adds_its_fix_and_a_broken_one_adds_nothing() -> None:
    from drilltutor.checking import Crash
    from drilltutor.harness import _explained

    def broken(crash: Crash) -> str:
        raise RuntimeError("the explainer's own bug")

    def knows(crash: Crash) -> str | None:
        return "Catch ValueError." if crash.type_name == "ValueError" else None

    def crash_of(exc: BaseException, source: str) -> Crash:
        bases = tuple(cls.__name__ for cls in type(exc).__mro__)
        return Crash(type(exc).__name__, type(exc).__module__, bases, str(exc), (), source, "answer.py")

    crash = crash_of(ValueError("bad"), "x = 1\n")
    message = "answer.py raised an error while running: ValueError: bad"
    assert _explained(message, [broken], crash) == message
    assert _explained(message, [broken, knows], crash) == message + ". Catch ValueError."
    assert _explained(message, [knows], crash_of(KeyError("k"), "")) == message


# A run's top process that leaves a process holding its output, out of the run's reach: started
# in a session of its own, orphaned, and without the run's mark (as a Mac, with no subreaper and
# no /proc, would leave it). Then it reads its job and ends without a verdict.
LEAVES_ITS_OUTPUT_HELD = """
import os, subprocess, sys
stray = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], env={}, start_new_session=True)
with open(sys.argv[1], "w") as out:
    out.write(str(stray.pid))
sys.stdin.buffer.read(4)
"""


def test_a_run_whose_output_a_stray_still_holds_ends_all_the_same(tmp_path: Path) -> None:
    """Reading the run's output ends only when every holder of the pipe is gone: the report must
    not wait for a process the OS let out of the run."""
    import signal
    import subprocess
    import sys

    from drilltutor import runner

    record = tmp_path / "stray"
    worker = subprocess.Popen(
        [sys.executable, "-c", LEAVES_ITS_OUTPUT_HELD, str(record)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        with runner.scratch_folder() as scratch:
            job = runner.Job.of(CATALOGUE, ANSWER, ANSWER.solution_path, QUICK, Path(scratch))
            report = finishes(lambda: runner.run_job(worker, job, adopt=False))
        assert report.problem is not None and not report.passed
    finally:
        assert eventually(record.exists)
        os.kill(int(record.read_text()), signal.SIGKILL)
