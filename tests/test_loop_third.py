"""The learning loop, third pass: what a new learner tripped on (issue 19)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.loop_support import Invoke, cli, drills, workspace  # noqa: F401


# a drill named with a slip ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "slip", "meant"),
    [
        (("run",), "answr", "answer"),
        (("start",), "webap", "webapp"),
        (("hint",), "fixture-answr", "fixture-answer"),
        (("reset", "--yes"), "ANSWR", "answer"),
        (("tick",), "answe", "answer"),
    ],
)
def test_a_slip_in_a_drill_name_gets_a_did_you_mean(cli: Invoke, command: tuple[str, ...], slip: str, meant: str) -> None:
    result = cli(*command[:1], slip, *command[1:])
    assert result.exit_code == 2
    assert f"Did you mean {meant}?" in result.output


def test_a_name_far_from_every_drill_gets_no_guess_and_a_number_is_never_guessed(cli: Invoke) -> None:
    far = cli("run", "zzzz")
    assert far.exit_code == 2 and "No drill is called 'zzzz'" in far.output and "Did you mean" not in far.output
    wrong_number = cli("run", "fixture-answer-2")  # not a slip for a drill whose name has no 2 in it
    assert wrong_number.exit_code == 2 and "Did you mean" not in wrong_number.output


def test_the_guess_is_in_the_json_error_too(cli: Invoke) -> None:
    result = cli("run", "answr", "--json")
    assert result.exit_code == 2 and "Did you mean answer?" in json.loads(result.output)["error"]


# --dir and a FILE ------------------------------------------------------------------------


def test_with_dir_a_relative_file_is_found_from_the_current_folder(cli: Invoke, workspace: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    (workspace / "fixture_style.py").write_text("answer = 42\nprint(answer)\n")
    result = cli("run", "answer", "fixture_style.py", "--dir", str(other))
    assert result.exit_code == 0, result.output


def test_with_dir_a_file_only_in_the_workspace_says_where_it_was_looked_for(cli: Invoke, workspace: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "mine.py").write_text("answer = 42\nprint(answer)\n")
    result = cli("run", "answer", "mine.py", "--dir", str(other))
    assert result.exit_code == 2
    lines = [line.strip() for line in result.output.splitlines()]
    assert any(line.startswith(str(workspace / "mine.py")) for line in lines)  # a path is never split over two lines
    words = " ".join(result.output.split())
    assert "not from --dir" in words and f"drilltutor run answer {other / 'mine.py'}" in words


# hint numbers ------------------------------------------------------------------------------


def test_reopening_hint_one_after_all_are_open_points_at_hint_two_not_at_the_end(cli: Invoke) -> None:
    cli("hint", "answer", "2")
    result = cli("hint", "answer", "1")
    assert result.exit_code == 0 and "It is 42." in result.output
    assert "last hint" not in result.output
    assert "drilltutor hint answer 2" in result.output


def test_a_hint_number_past_the_last_offers_the_next_rung_only_while_one_is_left(cli: Invoke) -> None:
    early = cli("hint", "answer", "5")
    assert early.exit_code == 2 and "The next one: drilltutor hint answer" in early.output and "(hint 1 of 2)" in early.output
    cli("hint", "answer", "2")
    late = cli("hint", "answer", "5")
    assert late.exit_code == 2 and "there is no hint 5" in late.output
    assert "The next one" not in late.output and "drilltutor hint answer --all" in late.output
