"""Files as other systems save them: CRLF line endings, non-ASCII text, folders with spaces."""

from __future__ import annotations

from pathlib import Path

from drilltutor.catalogue import load_catalogue
from drilltutor.runner import RunOptions, declared_checks, run_drill
from tests.conftest import FIXTURES

CATALOGUE = load_catalogue(FIXTURES / "drills")
ANSWER = CATALOGUE.find("answer")


def test_a_crlf_file_with_non_ascii_text_in_a_folder_with_spaces_passes(tmp_path: Path) -> None:
    folder = tmp_path / "My Drills (été)"
    folder.mkdir()
    learner = folder / ANSWER.file
    learner.write_bytes("# café, naïve, 東京\r\nanswer = 42\r\nprint(answer)\r\n".encode("utf-8"))
    report = run_drill(CATALOGUE, ANSWER, learner, RunOptions(timeout=60))
    assert report.passed, report.to_dict()
    assert report.file == str(learner.resolve())


def test_the_runner_reads_the_declared_checks_from_the_files_themselves() -> None:
    assert declared_checks([str(ANSWER.checks_path)]) == {"answer": "answer is 42", "printed": "the file prints 42"}
