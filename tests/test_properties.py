"""properties.toml: every bundled drill has one, each property is proved by a mistake, and
docs/properties.md is the matrix rendered from them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from drilltutor import properties
from drilltutor.catalogue import Catalogue, Drill, load_catalogue
from drilltutor.devcheck import property_findings
from drilltutor.errors import DrilltutorError
from drilltutor.runner import declared_checks

DOCS = Path(__file__).resolve().parent.parent / "docs" / "properties.md"
FIXTURE = Path(__file__).parent / "fixtures" / "drills" / "answer"


def test_every_bundled_drill_states_its_properties_and_each_is_proved(catalogue: Catalogue) -> None:
    assert all(properties.load(drill) for drill in catalogue.drills), "a drill folder without properties.toml"
    assert property_findings(catalogue, list(catalogue.drills)) == []


def test_the_committed_matrix_is_a_fresh_rendering(catalogue: Catalogue) -> None:
    assert DOCS.read_text(encoding="utf-8") == properties.render(catalogue), "run: drilltutor dev properties"


def _drill_with(tmp_path: Path, toml: str, mistakes: str = "") -> tuple[Catalogue, Drill]:
    folder = tmp_path / "drills" / "answer"
    shutil.copytree(FIXTURE, folder)
    (folder / "properties.toml").write_text(toml, encoding="utf-8")
    if mistakes:
        (folder / "mistakes.toml").write_text(mistakes, encoding="utf-8")
    catalogue = load_catalogue(tmp_path / "drills")
    return catalogue, catalogue.drills[0]


def _first_check() -> str:
    return next(iter(declared_checks([str(FIXTURE / "checks.py")])))


PROPERTY = '[[property]]\nid = "p"\nsays = "it holds"\nsource = "a test"\nchecks = ["{check}"]\n'
MISTAKE = '[[mistake]]\nname = "m"\nwhy = "w"\nexpect = ["{check}"]\n[[mistake.change]]\nreplace = "{replace}"\nwith = "answer = 0"\n'


def test_a_property_naming_an_undeclared_check_is_a_finding(tmp_path: Path) -> None:
    catalogue, drill = _drill_with(tmp_path, PROPERTY.format(check="no-such-check"))
    (finding,) = property_findings(catalogue, [drill])
    assert not finding.ok and "no-such-check" in finding.message and "does not declare" in finding.message


def test_a_property_no_mistake_proves_is_a_finding_and_one_that_does_is_not(tmp_path: Path) -> None:
    check = _first_check()
    catalogue, drill = _drill_with(tmp_path, PROPERTY.format(check=check))
    (finding,) = property_findings(catalogue, [drill])
    assert "no mistake" in finding.message
    line = (FIXTURE / "solution.py").read_text(encoding="utf-8").splitlines()[-1]
    catalogue, drill = _drill_with(tmp_path / "again", PROPERTY.format(check=check), MISTAKE.format(check=check, replace=line))
    assert property_findings(catalogue, [drill]) == []


def test_a_malformed_file_is_refused_with_its_path(tmp_path: Path) -> None:
    _, drill = _drill_with(tmp_path, '[[property]]\nid = "p"\nsays = "s"\nsource = "x"\nchecks = []\n')
    with pytest.raises(DrilltutorError, match="properties.toml, line 5, field `property\\[1\\].checks`"):
        properties.load(drill)
