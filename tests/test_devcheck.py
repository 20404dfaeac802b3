"""dev check through warm runners: the same findings as the cold path, and a hang still ends."""

from __future__ import annotations

from pathlib import Path

from drilltutor import devcheck
from drilltutor.catalogue import load_catalogue
from drilltutor.runner import RunOptions

FIXTURE_DRILLS = Path(__file__).parent / "fixtures" / "drills"


def test_warm_and_cold_runs_find_the_same(tmp_path: Path) -> None:
    catalogue = load_catalogue(FIXTURE_DRILLS)
    drills = list(catalogue.drills)
    warm = devcheck.verify(catalogue, drills, workers=2)
    cold = devcheck.verify(catalogue, drills, workers=2, warm=False)
    assert warm == cold
    assert {(f.drill, f.subject) for f in warm} >= {("fixture-answer", "solution"), ("fixture-answer", "starter")}


def test_a_file_that_hangs_still_ends_under_a_warm_runner(tmp_path: Path) -> None:
    catalogue = load_catalogue(FIXTURE_DRILLS)
    drill = catalogue.find("answer")
    hangs = tmp_path / drill.file
    hangs.write_text("answer = 42\nwhile True:\n    pass\n", encoding="utf-8")
    (report,) = devcheck.run_all(catalogue, [(drill, hangs, RunOptions(timeout=2.0))], workers=1)
    assert report.problem is not None and report.problem.kind == "timeout"
