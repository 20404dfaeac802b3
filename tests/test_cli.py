"""The commands through Typer's CliRunner, on the fixture drills."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drilltutor.cli import app
from tests.conftest import FIXTURES

DRILLS = str(FIXTURES / "drills")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DRILLTUTOR_DRILLS", DRILLS)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_list_shows_every_drill_with_status_and_file(cli) -> None:
    result = cli("list", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.output)["drills"]
    assert [(r["id"], r["status"], r["file_exists"]) for r in rows] == [("fixture-answer", "new", False), ("fixture-webapp", "new", False)]
    assert rows[1]["open"] is False


def test_start_writes_the_starter_and_never_overwrites_without_force(cli, tmp_path: Path) -> None:
    assert cli("start", "answer").exit_code == 0
    target = tmp_path / "answer.py"
    assert target.read_text() == (FIXTURES / "drills/answer/starter.py").read_text()
    target.write_text("answer = 42\n")
    result = cli("start", "1")
    assert result.exit_code == 0 and "Kept" in result.output
    assert target.read_text() == "answer = 42\n"
    assert cli("start", "fixture-answer", "--force").exit_code == 0
    assert target.read_text() != "answer = 42\n"


def test_run_without_a_file_says_where_it_looked_and_how_to_create_it(cli, tmp_path: Path) -> None:
    result = cli("run", "answer")
    assert result.exit_code == 2
    assert str(tmp_path) in result.output and "drilltutor start answer" in result.output


@pytest.mark.parametrize("args", [("run", "nope"), ("start", "42"), ("reveal", "zzz", "--yes"), ("run", "answer", "missing.py")])
def test_bad_input_exits_2_with_a_message(cli, args) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert "error:" in result.output


def test_run_records_progress_and_exits_by_verdict(cli, tmp_path: Path) -> None:
    (tmp_path / "answer.py").write_text("answer = 41\n")
    failed = cli("run", "answer")
    assert failed.exit_code == 1 and "answer = 42" in failed.output
    (tmp_path / "answer.py").write_text("answer = 42\nprint(answer)\n")
    passed = cli("run", "answer", "--json")
    assert passed.exit_code == 0
    assert json.loads(passed.output)["passed"] is True
    rows = json.loads(cli("list", "--json").output)["drills"]
    assert rows[0]["status"] == "passed" and rows[1]["open"] is True


def test_run_with_an_explicit_file_and_dir(cli, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "mine.py").write_text("answer = 42\nprint(42)\n")
    assert cli("run", "answer", str(other / "mine.py"), "--dir", str(other)).exit_code == 0


def test_reveal_refuses_without_a_terminal_then_records_with_yes(cli) -> None:
    refused = cli("reveal", "answer")
    assert refused.exit_code == 2 and "--yes" in refused.output
    shown = cli("reveal", "answer", "--yes")
    assert shown.exit_code == 0 and "answer = 42" in shown.output
    rows = json.loads(cli("list", "--json").output)["drills"]
    assert rows[0]["status"] == "revealed"


def test_reveal_after_a_pass_shows_the_learners_file_beside_the_reference(cli, tmp_path: Path) -> None:
    (tmp_path / "answer.py").write_text("answer = 6 * 7\nprint(answer)\n")
    assert cli("run", "answer").exit_code == 0
    result = cli("reveal", "answer")
    assert result.exit_code == 0
    assert "-answer = 6 * 7" in result.output and "+answer = 42" in result.output


def test_reveal_piped_is_the_reference_whole_with_no_line_cut(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A reference's long lines come through whole where the output is no terminal (80 columns)."""
    from drilltutor.paths import bundled_drills_dir

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")
    solution = bundled_drills_dir() / "project-tasks" / "solution.py"
    assert max(len(line) for line in solution.read_text().splitlines()) > 80
    result = CliRunner().invoke(app, ["reveal", "project", "--yes"])
    assert result.exit_code == 0
    assert solution.read_text().rstrip("\n") in result.output


def test_progress_lists_drills_and_self_check_items_and_tick_untick(cli) -> None:
    data = json.loads(cli("progress", "--json").output)
    assert data["total"] == 3 and data["done"] == 0
    assert [i["id"] for i in data["items"]] == ["fixture-answer"]
    refused = cli("tick", "answer")  # never passed: no terminal to ask in, so it says how
    assert refused.exit_code == 2 and "You have not passed fixture-answer yet" in refused.output and "--force" in refused.output
    assert json.loads(cli("progress", "--json").output)["done"] == 0
    assert cli("tick", "answer", "--force").exit_code == 0
    assert json.loads(cli("progress", "--json").output)["done"] == 1
    assert cli("untick", "fixture-answer").exit_code == 0
    assert json.loads(cli("progress", "--json").output)["done"] == 0
    assert cli("tick", "no-such-item").exit_code == 2


def test_home_screen_names_the_next_command(cli) -> None:
    result = cli()
    assert result.exit_code == 0
    assert "drilltutor start answer" in result.output


def test_dev_check_proves_the_fixture_drills(cli) -> None:
    result = cli("dev", "check", "--json")
    assert result.exit_code == 0, result.output
    findings = json.loads(result.output)["findings"]
    assert {(f["drill"], f["subject"]) for f in findings} >= {("fixture-answer", "solution"), ("fixture-answer", "starter")}


def test_help_everywhere(cli) -> None:
    for args in (["--help"], ["run", "--help"], ["dev", "check", "--help"]):
        result = cli(*args)
        assert result.exit_code == 0 and "Usage" in result.output


# Conventions -------------------------------------------------------------------------------


def test_version(cli) -> None:
    from drilltutor import __version__

    result = cli("--version")
    assert result.exit_code == 0 and result.output == f"drilltutor {__version__}\n"


def test_shell_completion_is_offered_and_works(cli, tmp_path: Path) -> None:
    assert "--install-completion" in cli("--help").output
    env = {**os.environ, "_DRILLTUTOR_COMPLETE": "complete_bash", "COMP_WORDS": "drilltutor run --ti", "COMP_CWORD": "2"}
    script = Path(sys.executable).with_name("drilltutor")  # completion goes by the program's name, as a shell calls it
    done = subprocess.run([str(script)], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert (done.returncode, done.stdout.split()) == (0, ["--timeout"])


@pytest.mark.parametrize("args", [("--help",), ("run", "--help"), ("reveal", "--help"), ("cards", "--help")])
def test_help_shows_no_type_on_flags(cli, args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.exit_code == 0 and "<bool>" not in result.output and "--help" in result.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("run", "nope", "--json"), "No drill is called 'nope'"),
        (("run", "answer", "--json", "--timeout", "inf"), "inf is not a number of seconds from 1 to 3600"),
        (("list", "--json", "--bogus"), "No such option: --bogus"),
        (("progress", "--json", "--drills-dir", "/nowhere/at/all"), "/nowhere/at/all"),
    ],
)
def test_with_json_a_tool_error_is_one_json_document_on_stdout(args: tuple[str, ...], words: str, tmp_path: Path) -> None:
    env = {**os.environ, "DRILLTUTOR_DRILLS": DRILLS}
    done = subprocess.run([sys.executable, "-m", "drilltutor", *args], capture_output=True, text=True, cwd=tmp_path, env=env)
    document = json.loads(done.stdout)
    assert set(document) == {"error", "hint", "exit_code"} and words in document["error"]
    assert done.returncode == document["exit_code"] == 2 and done.stderr == ""


@pytest.mark.parametrize("args", [("list",), ("progress",), (), ("run", "answer", "mine.py"), ("doctor",), ("--help",), ("run", "--help"), ("run", "--bogus")])
def test_piped_output_has_no_trailing_spaces(args: tuple[str, ...], tmp_path: Path) -> None:
    (tmp_path / "mine.py").write_text("answer = 41\nprint(answer)\n")
    env = {**os.environ, "DRILLTUTOR_DRILLS": DRILLS, "COLUMNS": "80"}
    done = subprocess.run([sys.executable, "-m", "drilltutor", *args], capture_output=True, text=True, cwd=tmp_path, env=env)
    lines = (done.stdout + done.stderr).splitlines()
    assert len(lines) > 2 and [line for line in lines if line != line.rstrip()] == []


def test_no_status_wraps_in_list_at_80_columns(catalogue, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The real catalogue, each kind of status, 80 columns: one line per drill."""
    from drilltutor.paths import progress_file
    from drilltutor.progress import ProgressStore, record_reveal, record_run

    store = ProgressStore(progress_file())
    store.update(record_reveal("drill-1"))
    store.update(record_run("drill-1", passed=True))  # passed (after reveal)
    store.update(record_run("drill-2", passed=False))  # attempted
    store.update(record_reveal("drill-3"))  # revealed
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["list"], env={"COLUMNS": "80", "DRILLTUTOR_DRILLS": None})
    lines = result.output.splitlines()
    assert result.exit_code == 0 and len(lines) == 1 + len(catalogue.drills) and max(map(len, lines)) <= 80, result.output
    assert "passed (after reveal)" in lines[1] and "(project first)" in lines[-1]



def test_a_relative_drills_dir_is_read_from_where_it_was_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    (tmp_path / "answer.py").write_text((FIXTURES / "drills" / "answer" / "solution.py").read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "answer", "--drills-dir", "drills", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
