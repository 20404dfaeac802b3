"""The home screen (`drilltutor` alone) and the hint ladder."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from drilltutor.commands.cards import review
from drilltutor.commands.hint import hint
from drilltutor.commands.home import home, next_drill
from drilltutor.commands.session import Session
from drilltutor.progress import record_reveal, record_run, set_ticked
from tests.loop_support import Invoke, cli, drills, session, workspace  # noqa: F401

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def _pass(session: Session, drill_id: str) -> None:
    session.store.update(record_run(drill_id, passed=True))


# home ------------------------------------------------------------------------------------


def test_home_starts_with_the_first_drill_and_its_exact_command(session: Session) -> None:
    result = home(session, NOW)
    assert (result.passed, result.drills, result.ticked, result.items) == (0, 2, 0, 2)
    assert result.drill == "fixture-answer"
    assert result.next.command == "drilltutor start answer"
    assert "drilltutor watch answer" in [s.command for s in result.also]
    assert (result.cards_due, result.cards_new) == (0, 2)  # the course's cards; answer's arrive once it is started


def test_home_says_run_once_the_file_exists_and_offers_the_next_hint_after_a_failure(session: Session, workspace: Path) -> None:
    (workspace / "answer.py").write_text("answer = 1\n")
    assert home(session, NOW).next.command == "drilltutor run answer"
    session.store.update(record_run("fixture-answer", passed=False))
    steps = {s.command: s.why for s in home(session, NOW).also}
    assert steps["drilltutor hint answer"] == "stuck? hint 1 of 2"


def test_next_drill_prefers_one_that_is_open(session: Session) -> None:
    data = session.store.read()
    assert next_drill(session, data).id == "fixture-answer"  # webapp opens after answer
    _pass(session, "fixture-answer")
    assert next_drill(session, session.store.read()).id == "fixture-webapp"
    _pass(session, "fixture-webapp")
    assert next_drill(session, session.store.read()) is None


def test_home_after_every_drill_points_at_cards_then_the_checklist(session: Session) -> None:
    _pass(session, "fixture-answer")
    _pass(session, "fixture-webapp")
    assert home(session, NOW).next.command == "drilltutor cards"
    for card in ("course-one", "course-two", "answer-card"):
        review(session, card, "easy", NOW)
    assert home(session, NOW).next.command == "drilltutor progress"
    for item in ("say-it", "fixture-answer"):
        session.store.update(set_ticked(item, True))
    done = home(session, NOW)
    assert (done.drill, done.next.command, done.cards_due, done.cards_new) == (None, "drilltutor cards", 0, 0)


def test_drilltutor_alone_prints_the_home_screen(cli: Invoke) -> None:
    result = cli()
    assert result.exit_code == 0
    assert "0/2 passed" in result.output and "Next: fixture-answer" in result.output
    assert "drilltutor start answer" in result.output and "cards: 0 cards due and 2 new" in result.output


# hint ------------------------------------------------------------------------------------


def test_each_call_opens_the_next_rung_and_the_last_one_stays(session: Session) -> None:
    drill = session.catalogue.find("answer")
    assert hint(session, drill).shown == [(1, "It is 42.")]
    assert hint(session, drill).shown == [(2, "Print it.")]
    again = hint(session, drill)
    assert again.shown == [(2, "Print it.")] and again.opened == 2
    assert session.progress_of(drill).hints_used == 2


def test_a_hint_by_number_is_recorded_as_the_highest_rung(session: Session) -> None:
    drill = session.catalogue.find("answer")
    assert hint(session, drill, 2).shown == [(2, "Print it.")]
    assert session.progress_of(drill).hints_used == 2
    assert hint(session, drill, 1).opened == 2


def test_all_re_reads_what_was_opened_and_opens_nothing(session: Session) -> None:
    drill = session.catalogue.find("answer")
    assert hint(session, drill, again=True).shown == []
    hint(session, drill)
    assert hint(session, drill, again=True).shown == [(1, "It is 42.")]
    assert session.progress_of(drill).hints_used == 1


def test_a_failing_check_names_the_hint_command_that_addresses_it(cli: Invoke, workspace: Path) -> None:
    (workspace / "answer.py").write_text("answer = 41\n")
    failed = cli("run", "answer")
    assert failed.exit_code == 1 and "drilltutor hint answer 1" in failed.output
    shown = cli("hint", "answer", "1")
    assert shown.exit_code == 0 and "hint 1 of 2" in shown.output and "It is 42." in shown.output


def test_hint_cli_defaults_to_the_current_drill_and_refuses_a_missing_rung(cli: Invoke) -> None:
    first = cli("hint")
    assert first.exit_code == 0 and "fixture-answer · hint 1 of 2" in first.output
    assert "drilltutor hint answer" in first.output  # the next rung
    missing = cli("hint", "answer", "7")
    assert missing.exit_code == 2 and "there is no hint 7" in missing.output
    data = json.loads(cli("hint", "answer", "--all", "--json").output)
    assert data["shown"] == [[1, "It is 42."]] and data["opened"] == 1


def test_the_last_hint_says_what_is_left(cli: Invoke) -> None:
    cli("hint", "answer", "2")
    result = cli("hint", "answer")
    assert "last hint" in result.output and "drilltutor reveal answer" in result.output


# progress ----------------------------------------------------------------------------------


def test_progress_is_one_checklist_and_a_pass_after_a_reveal_says_so(cli: Invoke, session: Session) -> None:
    session.store.update(record_reveal("fixture-answer"))
    _pass(session, "fixture-answer")
    cli("tick", "answer")
    lines = cli("progress").output.splitlines()
    assert lines[0].startswith("Progress") and lines[0].endswith("2/4")
    answer = next(i for i, line in enumerate(lines) if "fixture-answer" in line)
    assert lines[answer].startswith("  [x] fixture-answer") and "(passed after a reveal)" in lines[answer]
    assert lines[answer + 1].startswith("      [x] self-check: Know the answer")
    assert any(line.startswith("  [ ] say-it") for line in lines)


def test_tick_on_a_drill_not_passed_asks_and_a_course_item_does_not(cli: Invoke, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    from drilltutor import cli as cli_module

    assert cli("tick", "say-it").exit_code == 0  # the course's own items are the learner's word alone
    monkeypatch.setattr(cli_module, "_is_terminal", lambda: True)
    declined = cli("tick", "answer", input="n\n")
    assert declined.exit_code == 0 and "You have not passed fixture-answer yet" in declined.output and "Not ticked." in declined.output
    assert not session.store.read()["checklist"].get("fixture-answer")
    accepted = cli("tick", "answer", input="y\n")
    assert accepted.exit_code == 0 and "Ticked: Know the answer without looking" in accepted.output
    assert cli("untick", "answer").exit_code == 0
    _pass(session, "fixture-answer")
    monkeypatch.setattr(cli_module, "_is_terminal", lambda: False)  # once passed, nothing to ask
    assert cli("tick", "answer").exit_code == 0
