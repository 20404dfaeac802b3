"""Loading drills from folders of data: lookup, and clear errors for malformed folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from drilltutor.catalogue import load_catalogue
from drilltutor.errors import DrilltutorError
from tests.conftest import FIXTURES


def test_find_by_id_alias_or_number() -> None:
    catalogue = load_catalogue(FIXTURES / "drills")
    assert {catalogue.find(n).id for n in ("fixture-answer", "ANSWER", "1")} == {"fixture-answer"}


def test_the_bundled_catalogue_holds_the_contracts_drills(catalogue) -> None:
    assert catalogue.find("hashing").file == "drill_1_hashing.py"
    assert all(drill.hints for drill in catalogue.drills)
    ids = [drill.id for drill in catalogue.drills]
    assert ids[ids.index("project") + 1] == "tests"
    assert (catalogue.find("verify").file, catalogue.find("verify").mode) == ("test_tasks_api.py", "pytest")


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "drills"
    shutil.copytree(FIXTURES / "drills", target)
    return target


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda d: (d / "answer/checks.py").unlink(), "checks.py"),
        (lambda d: (d / "answer/drill.toml").write_text("format = 1\nid = [\n"), "drill.toml"),
        (lambda d: (d / "answer/drill.toml").write_text((d / "answer/drill.toml").read_text().replace("format = 1", "format = 9")), "drill.toml"),
        (lambda d: (d / "answer/drill.toml").write_text((d / "answer/drill.toml").read_text() + 'timeout = "long"\n'), "timeout"),
        (lambda d: (d / "webapp/drill.toml").write_text((d / "webapp/drill.toml").read_text().replace('alias = "webapp"', 'alias = "answer"')), "answer"),
    ],
    ids=["missing checks", "bad toml", "future format", "bad timeout", "duplicate alias"],
)
def test_malformed_drill_is_a_clear_error_naming_the_file(tmp_path: Path, edit, named: str) -> None:
    folder = _copy(tmp_path)
    edit(folder)
    with pytest.raises(DrilltutorError, match=named):
        load_catalogue(folder)


def test_malformed_hints_are_said_where_they_are_read_and_by_dev_check_before_any_run(tmp_path: Path) -> None:
    from drilltutor import devcheck

    drills = tmp_path / "drills"
    shutil.copytree(FIXTURES / "drills", drills)
    (drills / "answer" / "hints.toml").write_text("[[hint]\ntext = 'x'\n")
    catalogue = load_catalogue(drills)  # hints are read on first use: `list` never parses them
    drill = catalogue.find("answer")
    with pytest.raises(DrilltutorError, match="Malformed drill: .*hints.toml, line 1: not valid TOML"):
        drill.hints  # noqa: B018  (read on first use)
    with pytest.raises(DrilltutorError, match="hints.toml, line 1: not valid TOML"):
        devcheck.verify(catalogue, [drill])


def test_a_solution_stated_as_changes_reads_as_a_whole_file(tmp_path: Path) -> None:
    drills = _copy(tmp_path)
    answer = drills / "answer"
    reference = (answer / "solution.py").read_text(encoding="utf-8")
    (answer / "base.py").write_text(reference.replace("42", "41"), encoding="utf-8")
    (answer / "solution.py").unlink()
    (answer / "solution.toml").write_text('[[solution]]\nname = "reference"\nbase = "base.py"\n[[solution.change]]\nreplace = "41"\nwith = "42"\n', encoding="utf-8")
    drill = load_catalogue(drills).find("answer")
    assert drill.solution_path.read_text(encoding="utf-8") == reference


def test_a_drill_without_a_reference_is_malformed(tmp_path: Path) -> None:
    drills = _copy(tmp_path)
    (drills / "answer/solution.py").unlink()
    with pytest.raises(DrilltutorError, match="solution.py: the file is missing"):
        load_catalogue(drills)
