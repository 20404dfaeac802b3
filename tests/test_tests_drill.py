"""The tests drill (verify): the learner's own pytest suite is the file under check.

The reference suite, the starter and the weak suites of mistakes.toml run in
tests/test_drills.py like every drill; here: what a suite that cannot run at all is told.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from drilltutor import devcheck
from drilltutor.results import FAILED, SKIPPED
from drilltutor.runner import run_drill
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
