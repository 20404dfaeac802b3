"""The tests drill (verify): the learner's own pytest suite is the file under check.

The reference suite, the starter and the weak suites of mistakes.toml run in
tests/test_drills.py like every drill; here: what a suite that cannot run at all is told.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from drilltutor import devcheck
from drilltutor.results import FAILED, PASSED, SKIPPED
from drilltutor.runner import run_drill
from drilltutor.checking.suite import EARLY
from drilltutor.variants import load_variants


@pytest.mark.parametrize(
    ("source", "got", "detail"),
    [
        ("from tasks_api import app\n\ndef test_x(:\n    pass\n", "pytest could not load the file: SyntaxError", 'File "test_tasks_api.py", line 3'),
        ("import os\n\ndef test_leaves():\n    os._exit(0)\n", "ended before reporting every test (exit status 0, while test_leaves was running)", ""),
        ("from tasks_api import app\n", "pytest found no tests", ""),
    ],
    ids=["syntax error", "os._exit in a test", "no tests"],
)
def test_a_suite_that_cannot_run_fails_the_reference_check_and_skips_the_others(catalogue, tmp_path: Path, source: str, got: str, detail: str) -> None:
    drill = catalogue.find("verify")
    path = tmp_path / drill.file
    path.write_text(source, encoding="utf-8")
    report = run_drill(catalogue, drill, path, devcheck.AUTHOR_OPTIONS)
    assert report.problem is None, report.problem
    first, second, *copies = report.checks
    assert (first.id, first.status) == ("reference", FAILED)
    assert (second.id, second.status) == ("second-api", SKIPPED)
    assert got in first.got and first.fix
    assert detail in first.detail and "_pytest" not in first.detail  # the learner's lines, not pytest's frames
    assert {c.status for c in copies} == {SKIPPED}
    assert len(copies) == len(load_variants(drill.folder / "copies.toml", "copy", drill.solution_path))


def test_the_messages_name_the_file_that_was_run(catalogue, tmp_path: Path) -> None:
    """A suite saved under another name is run under that name, and every line says so (issue 19)."""
    drill = catalogue.find("verify")
    path = tmp_path / "test_none.py"
    path.write_text("from tasks_api import app\n\ndef test_x(:\n    pass\n", encoding="utf-8")
    report = run_drill(catalogue, drill, path, devcheck.AUTHOR_OPTIONS)
    first = report.checks[0]
    assert first.id == "reference" and first.status == FAILED
    assert "your test_none.py" in first.sent and drill.file not in first.sent
    assert 'File "test_none.py", line 3' in first.detail


# Suites that learn which API they face instead of testing it. ---------------------------------

# Reads, from the driver's frames below pytest's, how many folders the driver's plan holds: the
# correct API runs in the first plan, of EARLY folders, and a run again to show failures is a plan
# of one. It passes only in so small a plan.
KNOWS_IT_RUNS_EARLY = f'''
import sys

from tasks_api import app  # never sent a request


def test_this_is_a_correct_api():
    frame = sys._getframe()
    while frame is not None:
        if "pending" in frame.f_locals and "folders" in frame.f_locals:
            assert len(frame.f_locals["folders"]) <= {EARLY}
            return
        frame = frame.f_back
    raise AssertionError("no driver below")
'''


def _checks_of(catalogue, tmp_path: Path, source: str) -> dict[str, object]:
    drill = catalogue.find("verify")
    path = tmp_path / drill.file
    path.write_text(source, encoding="utf-8")
    report = run_drill(catalogue, drill, path, devcheck.AUTHOR_OPTIONS)
    assert report.problem is None, report.problem
    return {c.id: c for c in report.checks}


@pytest.mark.linux("the suite runs in a process forked from its driver, whose frames it reads")
def test_a_suite_that_knows_which_apis_run_early_fails(catalogue, tmp_path: Path) -> None:
    """The correct API runs among the first few, so a suite can know it is one of those; but a
    broken copy always runs there beside it, and the second correct API at a random place among
    all. A run again that shows a correct API's failures passes, and undoes nothing."""
    checks = _checks_of(catalogue, tmp_path, KNOWS_IT_RUNS_EARLY)
    assert checks["reference"].status == PASSED, checks["reference"]
    failed = [c.id for c in checks.values() if c.status == FAILED]
    assert failed, "a suite that only knows it runs early passed"
    assert failed == ["second-api"] or all(c.startswith("catches-") for c in failed), failed


def test_every_api_s_run_is_started_the_same_way(catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a test can read of how it was started (its command line and its parent's, pytest's
    arguments, the environment) is the same against every API, so none of it says which it is."""
    seen = tmp_path / "seen"
    seen.mkdir()
    monkeypatch.setenv("SUITE_SEEN", str(seen))
    suite = '''
import json, os, sys, uuid
import psutil
from tasks_api import app


def test_record(request):
    own = open("/proc/self/cmdline", "rb").read().decode() if os.path.exists("/proc/self/cmdline") else ""
    said = {"argv": sys.argv, "own": own.replace(os.getcwd(), "HERE"), "parent": psutil.Process().parent().cmdline(),
            "pytest": [a.replace(os.getcwd(), "HERE") for a in map(str, request.config.invocation_params.args)],
            "maxfail": request.config.option.maxfail, "env": sorted(os.environ.items())}
    with open(os.path.join(os.environ["SUITE_SEEN"], uuid.uuid4().hex), "w") as out:
        json.dump(said, out)
'''
    checks = _checks_of(catalogue, tmp_path, suite)
    assert checks["reference"].status == PASSED and checks["second-api"].status == PASSED
    said = [path.read_text(encoding="utf-8") for path in seen.iterdir()]
    assert len(said) == len(checks), "every API's run recorded what it saw"
    assert len(set(said)) == 1, "some run was started otherwise than the others"
    assert "folders" not in said[0]  # the plan is not on any command line


# Takes the key of every other folder's API before that folder's run can, then tests its own
# API as the reference suite does. Were another folder's key to open that API, the run of each
# folder it took would fail to load its API: a catch, were that API a broken copy.
STEALS_THE_OTHER_FOLDERS_KEYS = '''
import os
import re
from pathlib import Path

from drilltutor.checking.standin import reach

_here = Path(__file__).resolve().parent
_tried = []
for _other in sorted(_here.parent.glob("*/tasks_api.py")):
    if _other.parent == _here:
        continue
    _address, _key = re.search(r"reach\\((.*), \\"([0-9a-f]+)\\"", _other.read_text()).groups()
    try:
        reach(eval(_address), _key, ("app",))
        _tried.append("taken")
    except ImportError:
        _tried.append("refused")
with open(os.environ["STEAL_RECORD"], "a") as _record:
    _record.write(" ".join(_tried) + "\\n")
'''


@pytest.mark.linux("a Unix socket names the process that connects (SO_PEERCRED)")
def test_a_suite_that_takes_the_other_folders_keys_changes_no_run(catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drill = catalogue.find("verify")
    record = tmp_path / "record"
    monkeypatch.setenv("STEAL_RECORD", str(record))
    reference = drill.solution_path.read_text(encoding="utf-8")
    checks = _checks_of(catalogue, tmp_path, STEALS_THE_OTHER_FOLDERS_KEYS + reference)
    tried = record.read_text().split()
    assert "refused" in tried and "taken" not in tried, tried  # it did try, and no key of another run opened anything
    assert {c.id: c.status for c in checks.values()} == {c: PASSED for c in checks}, [c for c in checks.values() if c.status != PASSED]
