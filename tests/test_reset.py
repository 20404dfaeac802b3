"""`reset DRILL` and `reset --all`: starter back, backups kept, status cleared, and asking first."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from drilltutor import cli as cli_module
from drilltutor.commands.reset import reset_all, reset_drill
from drilltutor.commands.session import Session
from drilltutor.progress import drill_progress, record_hint, record_reveal, record_run, set_ticked
from tests.conftest import FIXTURES
from tests.loop_support import Invoke, cli, drills, session, workspace  # noqa: F401

STAMP = datetime(2026, 3, 1, 9, 30, 15)
STARTER = (FIXTURES / "drills/answer/starter.py").read_text()


def test_reset_puts_the_starter_back_keeps_a_backup_and_clears_the_status(session: Session, workspace: Path) -> None:
    mine = workspace / "answer.py"
    mine.write_text("answer = 42\nprint(answer)\n")
    session.store.update(record_run("fixture-answer", passed=True))
    session.store.update(record_hint("fixture-answer", 2))
    result = reset_drill(session, "answer", STAMP)
    assert mine.read_text() == STARTER
    assert result.backup == workspace / "answer.py.bak-20260301-093015"
    assert result.backup.read_text() == "answer = 42\nprint(answer)\n"
    progress = session.progress_of(session.catalogue.find("answer"))
    assert (progress.status, progress.attempts, progress.hints_used) == ("new", 0, 0)
    assert not result.reveal


def test_an_earlier_reveal_stays_on_record_so_a_later_pass_says_so(session: Session, workspace: Path) -> None:
    session.store.update(record_reveal("fixture-answer"))
    session.store.update(record_run("fixture-answer", passed=True))
    assert reset_drill(session, "answer", STAMP).reveal == "counts"
    assert drill_progress(session.store.read(), "fixture-answer").status == "revealed"
    session.store.update(record_run("fixture-answer", passed=True))
    assert drill_progress(session.store.read(), "fixture-answer").revealed_before_pass


def test_an_untouched_starter_or_a_missing_file_needs_no_backup(session: Session, workspace: Path) -> None:
    assert reset_drill(session, "answer", STAMP).backup is None
    assert reset_drill(session, "answer", STAMP).backup is None
    assert [p.name for p in workspace.iterdir()] == ["answer.py"]


def test_two_resets_in_one_second_keep_both_backups(session: Session, workspace: Path) -> None:
    mine = workspace / "answer.py"
    mine.write_text("first\n")
    first = reset_drill(session, "answer", STAMP).backup
    mine.write_text("second\n")
    second = reset_drill(session, "answer", STAMP).backup
    assert first != second and (first.read_text(), second.read_text()) == ("first\n", "second\n")


def test_reset_all_clears_everything_and_keeps_a_copy(session: Session) -> None:
    session.store.update(record_run("fixture-answer", passed=True))
    session.store.update(set_ticked("say-it", True))
    session.store.update(lambda data: data["cards"].update({"course-one": {"reviews": 1}}))
    result = reset_all(session, STAMP)
    data = session.store.read()
    assert (data["drills"], data["checklist"], data["cards"]) == ({}, {}, {})
    assert result.backup.name == "progress.before-reset-20260301-093015.json"
    kept = json.loads(result.backup.read_text())
    assert "say-it" in kept["checklist"] and kept["drills"]["fixture-answer"]["passed_at"]


# The command line ----------------------------------------------------------------------------


def test_without_a_terminal_reset_refuses_with_2_and_says_how(cli: Invoke, workspace: Path) -> None:
    (workspace / "answer.py").write_text("mine\n")
    result = cli("reset", "answer")
    assert result.exit_code == 2 and "drilltutor reset answer --yes" in result.output
    assert (workspace / "answer.py").read_text() == "mine\n"
    everything = cli("reset", "--all")
    assert everything.exit_code == 2 and "drilltutor reset --all --yes" in everything.output


def test_reset_with_yes_does_it(cli: Invoke, workspace: Path) -> None:
    (workspace / "answer.py").write_text("mine\n")
    result = cli("reset", "1", "--yes")
    assert result.exit_code == 0 and "answer.py.bak-" in result.output
    assert (workspace / "answer.py").read_text() == STARTER
    assert cli("reset", "--all", "-y").exit_code == 0


@pytest.mark.parametrize("args", [("reset",), ("reset", "answer", "--all"), ("reset", "nope", "--yes")])
def test_reset_needs_one_drill_or_all(cli: Invoke, args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.exit_code == 2 and "error:" in result.output


def test_in_a_terminal_reset_asks_first(cli: Invoke, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_module, "_is_terminal", lambda: True)
    (workspace / "answer.py").write_text("mine\n")
    declined = cli("reset", "answer", input="n\n")
    assert declined.exit_code == 0 and "Nothing changed." in declined.output
    assert (workspace / "answer.py").read_text() == "mine\n"
    accepted = cli("reset", "answer", input="y\n")
    assert accepted.exit_code == 0 and "Put the starter back" in accepted.output and "Reset fixture-answer" in accepted.output
    assert (workspace / "answer.py").read_text() == STARTER


def test_reset_says_when_it_made_no_backup(cli: Invoke, workspace: Path) -> None:
    assert cli("start", "answer").exit_code == 0
    result = cli("reset", "answer", "--yes")
    assert result.exit_code == 0 and "No .bak copy made: your file was the starter already, unchanged." in result.output
    assert not list(workspace.glob("*.bak-*"))


def test_a_reveal_after_a_pass_then_a_reset_does_not_stay_revealed(cli: Invoke, workspace: Path) -> None:
    (workspace / "answer.py").write_text("answer = 42\nprint(answer)\n")
    assert cli("run", "answer").exit_code == 0
    assert cli("reveal", "answer").exit_code == 0  # passed: no question asked
    reset = cli("reset", "answer", "--yes")
    assert "You saw the reference only after passing, so it does not count" in " ".join(reset.output.split())
    assert "revealed" not in _status(cli, "fixture-answer")
    (workspace / "answer.py").write_text("answer = 42\nprint(answer)\n")
    assert cli("run", "answer").exit_code == 0
    assert _status(cli, "fixture-answer") == "passed"


def test_a_reveal_before_a_pass_still_counts_after_a_reset(cli: Invoke, workspace: Path) -> None:
    assert cli("reveal", "answer", "--yes").exit_code == 0
    (workspace / "answer.py").write_text("answer = 42\nprint(answer)\n")
    assert cli("run", "answer").exit_code == 0
    reset = cli("reset", "answer", "--yes")
    assert "You saw the reference before you passed, so that stays on record" in " ".join(reset.output.split())
    assert _status(cli, "fixture-answer") == "revealed"
    (workspace / "answer.py").write_text("answer = 42\nprint(answer)\n")
    assert cli("run", "answer").exit_code == 0
    assert _status(cli, "fixture-answer") == "passed (after reveal)"


def _status(cli: Invoke, drill: str) -> str:
    import json

    row = next(r for r in json.loads(cli("list", "--json").output)["drills"] if r["id"] == drill)
    return row["status"] + (" (after reveal)" if row["revealed_before_pass"] else "")


def test_looking_again_after_such_a_reset_counts_against_the_next_pass(session: Session, workspace: Path) -> None:
    session.store.update(record_run("fixture-answer", passed=True))
    session.store.update(record_reveal("fixture-answer"))  # compared after passing
    assert reset_drill(session, "answer", STAMP).reveal == "after pass"
    session.store.update(record_reveal("fixture-answer"))  # looked again before passing again
    assert drill_progress(session.store.read(), "fixture-answer").status == "revealed"
    session.store.update(record_run("fixture-answer", passed=True))
    assert drill_progress(session.store.read(), "fixture-answer").revealed_before_pass


def test_reset_unticks_the_drills_own_item_and_says_so(cli: Invoke, workspace: Path) -> None:
    (workspace / "answer.py").write_text("answer = 42\nprint(answer)\n")
    assert cli("run", "answer").exit_code == 0
    assert cli("tick", "answer").exit_code == 0  # passed: no question asked
    reset = cli("reset", "answer", "--yes")
    assert "Its self-check item is unticked too" in " ".join(reset.output.split())
    items = json.loads(cli("progress", "--json").output)["items"]
    assert [i["ticked"] for i in items if i["id"] == "fixture-answer"] == [False]
    assert "unticked" not in cli("reset", "answer", "--yes").output  # nothing ticked: nothing said
