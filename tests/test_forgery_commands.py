"""The forgery catalogue (tests/test_forgery.py) through the real commands: `grade` and `watch --manual`.

test_forgery.py runs each forgery through the runners (a cold run, the warm runner); here each
goes through the command a learner or an instructor types, in process with Typer's CliRunner
as the other command tests do. Every forged file must come out no better than the same wrong
file without its forgery part, and a correct file must pass through the same path, so that a
command that passed everything, or nothing, would fail these tests.

Under `grade`, a forgery that imports drilltutor is refused before it runs (it is not the
learner's work: `references.py`), which is a zero with a reason of its own; the others run and
fail their checks. The leftover fixtures (tests/fixtures/escapes) go through `grade` too: when
it has returned, nothing the learner's file started may still be running.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest
from typer.testing import CliRunner

from drilltutor import platform, warm
from drilltutor.cli import app
from drilltutor.grading import COULD_NOT_RUN, GRADED, NOT_THEIRS
from tests import leakcheck
from tests.conftest import FIXTURES
from tests.test_containment import ESCAPES, _all_gone
from tests.test_forgery import DRILL, FORGERIES, WRONG

LIMIT = "120"  # seconds of CPU: generous, so a loaded machine never turns a verdict into a timeout
CORRECT = (FIXTURES / "submission" / DRILL.file).read_text(encoding="utf-8")  # a learner's own correct file: grade refuses the reference itself
IMPORTS_DRILLTUTOR = {name for name, source in FORGERIES.items() if "from drilltutor" in source or "import drilltutor" in source}


@pytest.fixture(autouse=True)
def _as_user_not_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Grade with the grader's own rights, as on a developer's machine (test_grade.py tests the drop to nobody)."""
    monkeypatch.setattr(platform, "is_superuser", lambda: False)


# ---- grade ----------------------------------------------------------------------------------


def _grade(folder: Path, out: Path, *more: str, limit: str = LIMIT) -> dict[str, Any]:
    """`drilltutor grade FOLDER --format json`; the one drill's entry of the grade file."""
    result = CliRunner().invoke(app, ["grade", str(folder), "--format", "json", "--out", str(out), "--timeout", limit, *more], env={"COLUMNS": "1000"})
    assert result.exit_code == 0, result.output
    (drill,) = json.loads(out.read_text(encoding="utf-8"))["drills"]
    return drill


def _submission(tmp_path: Path, text: str, name: str = DRILL.file) -> Path:
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def _failed(drill: dict[str, Any]) -> set[str]:
    return {c["id"] for c in drill["checks"] if not c["passed"]}


@functools.cache
def _wrong_graded() -> dict[str, Any]:
    """The wrong file without any forgery part, graded once per test process."""
    tmp = Path(tempfile.mkdtemp(prefix="dt-forgery-wrong-"))
    try:
        return _grade(_submission(tmp, WRONG), tmp / "grade.json")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_grade_passes_a_correct_file(tmp_path: Path) -> None:
    drill = _grade(_submission(tmp_path, CORRECT), tmp_path / "grade.json")
    assert drill["status"] == GRADED and drill["score"] == drill["points"] > 0, drill
    assert not _failed(drill)


def test_grade_fails_the_wrong_file_without_a_forgery(tmp_path: Path) -> None:
    drill = _wrong_graded()
    assert drill["status"] == GRADED and drill["score"] < drill["points"], drill
    assert "bcrypt-hash" in _failed(drill)


@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_grade_fails_the_wrong_file_with_its_forgery(forgery: str, tmp_path: Path) -> None:
    drill = _grade(_submission(tmp_path, FORGERIES[forgery] + WRONG), tmp_path / "grade.json")
    if forgery in IMPORTS_DRILLTUTOR:  # refused before it runs: zero, with the reason
        assert drill["status"] == NOT_THEIRS and drill["score"] == 0, drill
        assert drill["checks"] and all(not c["passed"] and "not your work" in c["text"] for c in drill["checks"])
        return
    wrong = _wrong_graded()
    assert drill["score"] <= wrong["score"] < drill["points"], (drill, wrong)
    assert _failed(drill) >= _failed(wrong), "the forgery turned a failed check into a pass"
    bcrypt = next(c for c in drill["checks"] if c["id"] == "bcrypt-hash")
    if drill["status"] == GRADED:  # it ran, and the check itself failed it, saying what it got
        assert bcrypt["score"] == 0 and "Got:" in bcrypt["text"], bcrypt
    else:  # the run was spoilt: a zero for every check, with the cause
        assert drill["status"] == COULD_NOT_RUN and drill["score"] == 0 and drill["reason"], drill


# ---- watch --manual ---------------------------------------------------------------------------


@pytest.fixture
def warm_runners(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[warm.WarmRunner]]:
    """`watch`'s WarmRunner, made to wait for its zygote instead of running cold while it warms up,
    so that every run of the loop is a warm one (what `watch` does once it has warmed up)."""
    made: list[warm.WarmRunner] = []

    class WaitingWarmRunner(warm.WarmRunner):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **{**kwargs, "cold_until_ready": False})
            made.append(self)

    monkeypatch.setattr(warm, "WarmRunner", WaitingWarmRunner)
    yield made


def _watch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, made: list[warm.WarmRunner], enters: int = 1) -> Any:
    """`drilltutor watch drill-1 --manual` on the file; Enter `enters` times (a run each), then q."""
    workspace = tmp_path / "work"
    workspace.mkdir()
    (workspace / DRILL.file).write_text(text, encoding="utf-8")
    monkeypatch.chdir(workspace)
    result = CliRunner().invoke(app, ["watch", DRILL.id, "--manual", "--timeout", LIMIT], input="\n" * enters + "q\n", env={"COLUMNS": "1000", "NO_COLOR": "1"})
    assert f"run {enters + 1}" in result.output and f"run {enters + 2}" not in result.output, result.output
    (runner,) = made
    assert (runner.warming_runs, runner.cold_runs) == (0, 0), "a run did not go to the warm process"
    return result


def test_watch_manual_passes_a_correct_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warm_runners: list[warm.WarmRunner]) -> None:
    result = _watch(tmp_path, monkeypatch, CORRECT, warm_runners, enters=0)  # after a pass, watch moves on to drill-2
    assert result.exit_code == 0 and f"{DRILL.id} passed" in result.output, result.output


@pytest.mark.parametrize("forgery", ["", *FORGERIES])
def test_watch_manual_fails_the_wrong_file(forgery: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warm_runners: list[warm.WarmRunner]) -> None:
    """Without a forgery ("") and with each one."""
    result = _watch(tmp_path, monkeypatch, FORGERIES.get(forgery, "") + WRONG, warm_runners)
    assert result.exit_code == 1, result.output
    assert f"{DRILL.id} passed" not in result.output, result.output
    # each run's verdict: checks that failed, or a run the forgery spoilt, said as such
    assert result.output.count("checks passed") + result.output.count("could not run") >= 2, result.output


# ---- leftovers under grade --------------------------------------------------------------------

LEFTOVERS = ["subreaper_off", "setsid_daemon", "server", "gil_holder", "lifeline_patched"]


@pytest.mark.linux("the escapers fork, call setsid and prctl; processes are found in /proc")
@pytest.mark.parametrize("name", LEFTOVERS)
def test_nothing_the_learner_started_outlives_grade(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = tmp_path / "record"
    monkeypatch.setenv("CONTAIN_RECORD", str(record))
    tag = os.environ.get(leakcheck.TAG_ENV, "")  # set by conftest's leak check, when this OS lets it read environments
    before = leakcheck.snapshot(tag)
    folder = _submission(tmp_path, (ESCAPES / f"{name}.py").read_text(encoding="utf-8"), name="answer.py")
    # a short CPU limit ends the GIL holder's endless sum; the others end by themselves
    drill = _grade(folder, tmp_path / "grade.json", "--drills-dir", str(FIXTURES / "drills"), limit="3")
    if "drilltutor" in (ESCAPES / f"{name}.py").read_text(encoding="utf-8"):
        # It patches drilltutor's own modules: refused as not the learner's work, it never runs.
        assert drill["status"] == NOT_THEIRS and not record.exists(), drill
        return
    assert record.exists(), drill  # it ran, and started what it starts
    _all_gone(record)  # every recorded process and port, waited for with a generous backstop
    procs, sockets = leakcheck.left_behind(before, tag)
    assert not procs and not sockets, [p.describe() for p in procs]
