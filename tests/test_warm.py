"""The warm runner keeps the cold runner's guarantees, run after run, from one zygote.

Each hostile file runs through `WarmRunner` and through the cold `run_drill`, and both
must give the same verdict. Then what only a long-lived zygote could get wrong: a run
must see nothing of the run before it, and the zygote must not outlive its runner.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Iterator

import pytest

from drilltutor.catalogue import load_catalogue
from drilltutor.results import RunReport
from drilltutor.runner import RunOptions, run_drill
from drilltutor.warm import WarmRunner
from tests.conftest import FIXTURES
from tests.waiting import eventually, finishes

pytestmark = pytest.mark.linux("the zygote forks; where fork is unsafe the warm runner is a Spare, run under the simulations")

CATALOGUE = load_catalogue(FIXTURES / "drills")
ANSWER = CATALOGUE.find("answer")
WEBAPP = CATALOGUE.find("webapp")
# A limit no finishing file reaches, even on a loaded machine: these tests are about verdicts, not speed.
QUICK = RunOptions(timeout=60)


@pytest.fixture
def warm() -> Iterator[WarmRunner]:
    # One zygote per test, so the leak check in conftest.py sees it come and go within the test.
    with WarmRunner() as runner:
        assert runner.wait_ready()
        yield runner
    assert runner.cold_runs == runner.warming_runs == 0, "a run went to the cold runner: the zygote was not used"


def _write(tmp_path: Path, source: str, drill=ANSWER) -> Path:
    path = tmp_path / drill.file
    path.write_text(source, encoding="utf-8")
    return path


def _verdict(report: RunReport) -> tuple:
    problem = None if report.problem is None else (report.problem.kind, report.problem.message.split(".")[0])
    return report.passed, problem, [(c.id, c.status, c.hint) for c in report.checks], report.output_truncated, report.bcrypt_ops


CASES = {
    "reference": "answer = 42\nprint(answer)\n",
    "wrong answer": "answer = 41\nprint(answer)\n",
    "syntax error": "answer = 42\ndef broken(:\n",
    "import error": "import no_such_module_here\n",
    "sys.exit(3)": "import sys\nsys.exit(3)\n",
    "os._exit(0)": "import os\nos._exit(0)\n",
    "SIGKILL": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
    "sys.exit(0) at the end": "import sys\nanswer = 42\nprint(answer)\nsys.exit(0)\n",
    "output flood": "import sys\nsys.stdout.write('x' * 5_000_000)\nanswer = 42\nprint(answer)\n",
    "stderr": "import sys\nprint('oops', file=sys.stderr)\nanswer = 42\nprint(answer)\n",
    "input()": "name = input('name? ')\n",
    "fake verdict": "print('All checks passed!')\nprint('{\"event\": \"check\", \"result\": {\"id\": \"answer\", \"title\": \"x\", \"status\": \"passed\"}}')\n",
    "memory hog": "hog = bytearray(3 * 1024 ** 3)\nanswer = 42\n",
}


@pytest.mark.parametrize("name", CASES)
def test_same_verdict_as_the_cold_runner(warm: WarmRunner, tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, CASES[name])
    cold = run_drill(CATALOGUE, ANSWER, path, QUICK)
    hot = warm(CATALOGUE, ANSWER, path, QUICK)
    assert _verdict(hot) == _verdict(cold)
    assert hot.output == cold.output


def test_endless_loop_times_out(warm: WarmRunner, tmp_path: Path) -> None:
    report = finishes(lambda: warm(CATALOGUE, ANSWER, _write(tmp_path, "while True:\n    pass\n"), RunOptions(timeout=2)))
    assert report.problem is not None and report.problem.kind == "timeout"
    assert "of CPU" in report.problem.message
    assert warm(CATALOGUE, ANSWER, ANSWER.solution_path, QUICK).passed  # and the zygote still serves


def test_the_zygote_warms_up_and_keeps_no_thread_to_fork_with(warm: WarmRunner) -> None:
    """Its warm-up request (warm._warm_up) leaves nothing running: a fork copies one thread only,
    and a lock another thread held would stay held in every run."""
    assert warm.pid is not None
    assert len(os.listdir(f"/proc/{warm.pid}/task")) == 1


def test_app_drill_in_process_and_on_a_real_server(warm: WarmRunner) -> None:
    report = warm(CATALOGUE, WEBAPP, WEBAPP.solution_path, QUICK)
    assert report.passed, report.to_dict()


def test_handler_that_never_answers(warm: WarmRunner, tmp_path: Path) -> None:
    source = "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/ping')\nasync def ping():\n    while True:\n        pass\n"
    report = finishes(lambda: warm(CATALOGUE, WEBAPP, _write(tmp_path, source, WEBAPP), RunOptions(timeout=60, request_timeout=1.5)))
    assert report.checks[0].status == "failed"


def test_each_run_loads_the_file_anew_and_sees_nothing_of_the_last(warm: WarmRunner, tmp_path: Path) -> None:
    source = textwrap.dedent(
        """
        import json, os, sys
        json.runs = getattr(json, "runs", 0) + 1   # state left in a library module
        print(json.runs, "answer" in sys.modules, os.environ["SECRET_KEY"], os.getcwd(), os.environ.get("DRILLTUTOR_HOME"))
        answer = 42
        print(answer)
        """
    )
    path = _write(tmp_path, source)
    first, second = (warm(CATALOGUE, ANSWER, path, QUICK).output.split() for _ in range(2))
    assert first[:2] == second[:2] == ["1", "False"]  # a fresh module, in a fresh process, each time
    assert len(first[2]) == 64 and first[2] != second[2]  # SECRET_KEY: new for every run
    assert first[3] != second[3] and "drilltutor-run-" in first[3]  # the run's own scratch folder
    assert first[4] == "None"
    path.write_text("answer = 7\nprint(answer)\n", encoding="utf-8")  # a save between runs is seen
    assert not warm(CATALOGUE, ANSWER, path, QUICK).passed


def test_processes_the_learner_starts_do_not_outlive_the_run(warm: WarmRunner, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    source = textwrap.dedent(
        f"""
        import os, subprocess, time
        child = subprocess.Popen(["sleep", "60"])                      # in the run's process group
        daemon = subprocess.Popen(["sleep", "60"], start_new_session=True)  # left the group
        fork = os.fork()
        if fork == 0:                                                  # a bare fork that left the group
            os.setsid()
            time.sleep(60)
            os._exit(0)
        open({str(pids)!r}, "w").write(f"{{child.pid}} {{daemon.pid}} {{fork}}")
        answer = 42
        print(answer)
        """
    )
    assert warm(CATALOGUE, ANSWER, _write(tmp_path, source), QUICK).passed
    left = [int(p) for p in pids.read_text().split()]
    eventually(lambda: not any(_alive(pid) for pid in left))
    if sys.platform.startswith("linux"):
        assert not [pid for pid in left if _alive(pid)]
    else:  # elsewhere only the process group is stopped, as in the cold runner
        assert not _alive(left[0])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie waiting for its parent is not running
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def test_bad_input_is_the_callers_error(warm: WarmRunner, tmp_path: Path) -> None:
    from drilltutor.errors import DrilltutorError

    with pytest.raises(DrilltutorError):
        warm(CATALOGUE, ANSWER, tmp_path / "missing.py")


def test_runs_go_cold_while_the_zygote_imports() -> None:
    with WarmRunner(preload=("drilltutor.harness", "fastapi", "uvicorn")) as runner:
        assert runner(CATALOGUE, ANSWER, ANSWER.solution_path, QUICK).passed  # at once: the zygote is still importing
        assert runner.warming_runs == 1
        assert runner.wait_ready()
        assert runner(CATALOGUE, ANSWER, ANSWER.solution_path, QUICK).passed
        assert runner.warming_runs == 1 and runner.cold_runs == 0


def test_a_zygote_that_died_is_replaced(tmp_path: Path) -> None:
    with WarmRunner() as runner:
        assert runner.wait_ready()
        assert runner(CATALOGUE, ANSWER, ANSWER.solution_path, QUICK).passed
        first = runner.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        assert eventually(lambda: not _alive(first))  # dead before the next run asks it for one
        assert runner(CATALOGUE, ANSWER, ANSWER.solution_path, QUICK).passed
        assert runner.pid not in (None, first)
    assert not _alive(first)


def test_the_zygote_ends_with_its_runner_and_with_its_parent(tmp_path: Path) -> None:
    with WarmRunner() as runner:
        runner(CATALOGUE, ANSWER, ANSWER.solution_path, QUICK)
        pid = runner.pid
    assert pid is not None and not _alive(pid)
    # A parent killed outright: the zygote sees its socket close and ends, with any child.
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from drilltutor.catalogue import load_catalogue
        from drilltutor.warm import WarmRunner
        catalogue = load_catalogue(Path({str(FIXTURES / "drills")!r}))
        runner = WarmRunner(cold_until_ready=False).start()
        print(runner.pid, flush=True)
        runner(catalogue, catalogue.find("answer"), Path(sys.argv[1]))
        """
    )
    started = tmp_path / "started"
    hang = _write(tmp_path, f"open({str(started)!r}, 'w').close()\nwhile True:\n    pass\n")
    parent = subprocess.Popen([sys.executable, "-c", script, str(hang)], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    zygote = int(parent.stdout.readline())
    assert eventually(started.exists)  # the zygote has forked the hanging run
    parent.kill()
    parent.wait()
    assert eventually(lambda: not _alive(zygote))


def test_bcrypt_operations_are_counted_as_in_a_cold_run(warm: WarmRunner) -> None:
    """The zygote imports passlib and bcrypt before any run; the count must still see every operation."""
    from drilltutor.paths import bundled_drills_dir

    catalogue = load_catalogue(bundled_drills_dir())
    hashing = next((d for d in catalogue.drills if d.id == "drill-1"), None)
    if hashing is None:
        pytest.skip("no drill-1 in the bundled drills")
    cold = run_drill(catalogue, hashing, hashing.solution_path, QUICK)  # bcrypt at cost 12 on a loaded machine: past the 10 s default
    hot = warm(catalogue, hashing, hashing.solution_path, QUICK)
    assert cold.passed and hot.passed
    assert hot.bcrypt_ops == cold.bcrypt_ops > 0


def test_the_next_runs_worker_waits_ahead_with_its_agent(warm: WarmRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Between runs the zygote holds the next run's worker, forked once the last run's processes
    were stopped, and that worker holds its agent: the next run is handed both, already there."""
    import psutil

    from drilltutor import runner

    assert warm(CATALOGUE, ANSWER, ANSWER.solution_path, QUICK).passed
    zygote = psutil.Process(warm.pid)
    assert eventually(lambda: len(zygote.children()) == 1 and len(zygote.children()[0].children()) == 1)
    waiting = zygote.children()[0]
    agent = waiting.children()[0]
    handed: list[int] = []
    real = runner.run_job

    def run_job(worker, *args, **kwargs):  # type: ignore[no-untyped-def]
        handed.append(worker.pid)
        return real(worker, *args, **kwargs)

    monkeypatch.setattr(runner, "run_job", run_job)
    report = warm(CATALOGUE, ANSWER, _write(tmp_path, "import os\nprint(os.getpid())\nanswer = 42\nprint(answer)\n"), QUICK)
    assert report.passed, report.to_dict()
    assert handed == [waiting.pid]
    assert report.output.split()[0] == str(agent.pid)  # the learner's file ran in the agent that waited


def test_a_checks_file_edited_between_runs_is_seen(warm: WarmRunner, tmp_path: Path) -> None:
    """The zygote compiles the checks a run asks for, for the runs it forks after it; a run uses
    that code only while the file reads as it did (a drill's author edits checks between runs)."""
    import shutil

    drills = tmp_path / "drills"
    shutil.copytree(FIXTURES / "drills", drills)
    answer = load_catalogue(drills).find("answer")
    wrong = _write(tmp_path, "answer = 41\n")
    before = [warm(load_catalogue(drills), answer, wrong, QUICK) for _ in range(2)]  # the second ran on code compiled ahead
    checks = answer.folder / "checks.py"
    checks.write_text(checks.read_text(encoding="utf-8").replace('fix="answer = 42"', 'fix="answer = forty-two"'), encoding="utf-8")
    after = warm(load_catalogue(drills), answer, wrong, QUICK)
    assert [r.checks[0].fix for r in before] == ["answer = 42", "answer = 42"]
    assert after.checks[0].fix == "answer = forty-two"
