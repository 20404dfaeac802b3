"""`drilltutor dev new ID`: the folder it writes is a drill `dev check` accepts unchanged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from drilltutor import devcheck
from drilltutor.catalogue import load_catalogue
from drilltutor.cli import app
from tests.conftest import FIXTURES


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_a_new_drill_passes_dev_check_unchanged(tmp_path: Path) -> None:
    drills = tmp_path / "drills"
    shutil.copytree(FIXTURES / "drills", drills)  # among other drills: its order, names and file must not clash
    code, said = _cli("dev", "new", "drill-7", "--alias", "greet", "--drills-dir", str(drills))
    assert code == 0, said
    assert "dev check drill-7" in said
    code, said = _cli("dev", "check", "drill-7", "--drills-dir", str(drills), "--json")
    assert code == 0, said
    findings = json.loads(said)["findings"]
    assert [f["subject"] for f in findings if f["ok"]] == [f["subject"] for f in findings]
    assert sum(f["subject"].startswith("mistakes.toml:") for f in findings) == 4  # four mistakes, stated as changes

    catalogue = load_catalogue(drills)
    drill = catalogue.find("greet")
    assert drill.order > max(d.order for d in catalogue.drills if d is not drill)
    (prop,) = drill.properties
    assert any(set(prop.checks) & set(m.expect) for m in devcheck.mistakes(drill))  # a mistake breaks the property


def test_a_taken_or_unusable_name_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    drills = tmp_path / "drills"
    shutil.copytree(FIXTURES / "drills", drills)
    before = sorted(p.name for p in drills.iterdir())
    for args in (["answer"], ["drill-7", "--alias", "answer"], ["Drill 7"], ["fixture-answer"]):
        code, said = _cli("dev", "new", *args, "--drills-dir", str(drills))
        assert code == 2, (args, said)
    assert sorted(p.name for p in drills.iterdir()) == before
