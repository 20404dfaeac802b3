"""The learning loop, third pass: what a new learner tripped on (issue 19)."""

from __future__ import annotations

import ast
import io
import json
import os
import stat
from pathlib import Path
from typing import Callable

import pytest
from rich.console import Console
from typer.testing import CliRunner

from drilltutor import progress, render
from drilltutor.catalogue import Catalogue
from drilltutor.checking.trace import clip
from drilltutor.cli import app
from drilltutor.commands.run import RunOutcome
from drilltutor.results import CheckResult, Problem, RunReport
from drilltutor.runner import RunOptions, run_drill
from drilltutor.variants import load_variants
from tests.hardening_support import assert_verdict, drilltutor
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


# what stands at the progress path ---------------------------------------------------------


def _home(tmp_path: Path) -> tuple[Path, Path]:
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir(exist_ok=True)
    home.mkdir()
    (work / "pass.py").write_text("answer = 42\nprint(answer)\n")
    return work, home


@pytest.mark.posix("mkfifo")
@pytest.mark.parametrize("command", [("run", "answer", "pass.py"), ("list",)])
def test_a_fifo_for_a_progress_file_is_set_aside_without_waiting_on_it(tmp_path: Path, command: tuple[str, ...]) -> None:
    work, home = _home(tmp_path)
    os.mkfifo(home / "progress.json")
    # no writer ever opens the FIFO: a read that waited on one would hang until drilltutor() times out
    result = drilltutor(*command, cwd=work, home=home)
    assert_verdict(result, 0, "note: Your progress file was damaged (it is a FIFO (named pipe), not a regular file)", "It was moved to")
    assert "itself failed" not in result.text
    (kept,) = home.glob("progress.damaged-*.json")
    assert stat.S_ISFIFO(kept.lstat().st_mode)
    if command[0] == "run":
        assert (home / "progress.json").is_file()  # the run's record went to a new file beside it


@pytest.mark.posix("/dev/zero")
def test_a_link_to_an_endless_device_is_set_aside_not_read(tmp_path: Path) -> None:
    work, home = _home(tmp_path)
    (home / "progress.json").symlink_to("/dev/zero")
    result = drilltutor("run", "answer", "pass.py", "--json", cwd=work, home=home)
    assert result.code == 0 and "itself failed" not in result.text
    document = json.loads(result.stdout)
    assert document["passed"] is True
    assert any("it is a character device, not a regular file" in note for note in document["notices"])
    (kept,) = home.glob("progress.damaged-*.json")
    assert kept.is_symlink() and os.readlink(kept) == "/dev/zero"  # the link moved aside, the device untouched


def test_a_progress_file_too_large_to_be_ours_is_set_aside_after_a_bounded_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "MAX_BYTES", 1000)
    path = tmp_path / "progress.json"
    path.write_bytes(b" " * 5000)
    store = progress.ProgressStore(path)
    assert store.read() == progress.empty()
    assert store.notices and "larger than" in store.notices[0] and "It was moved to" in store.notices[0]


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_drilltutor_home_is_refused_clearly(cli: Invoke, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("DRILLTUTOR_HOME", value)
    for args in (("list",), ("progress", "--json")):
        result = cli(*args)
        assert result.exit_code == 2, result.output
        assert "DRILLTUTOR_HOME is set but empty" in result.output and "unset DRILLTUTOR_HOME" in result.output
    found = json.loads(cli("doctor", "--json").output)["findings"]
    assert any(f["topic"] == "progress" and f["status"] == "broken" and "set but empty" in f["message"] for f in found)


# --json and a file name that is not UTF-8 ----------------------------------------------------


@pytest.mark.posix("file names are bytes")
@pytest.mark.parametrize(("name", "code"), [(b"mine\xff.py", 0), (b"none\xff.py", 2)])
def test_json_stays_json_when_a_file_name_is_not_utf8(tmp_path: Path, name: bytes, code: int) -> None:
    work, home = _home(tmp_path)
    with open(os.path.join(os.fsencode(work), b"mine\xff.py"), "wb") as mine:
        mine.write(b"answer = 42\nprint(answer)\n")
    result = drilltutor("run", "answer", os.fsdecode(name), "--json", cwd=work, home=home)
    assert result.code == code
    assert "\ufffd" not in result.stdout  # what a raw 0xff byte decodes to: none was written
    document = json.loads(result.stdout)  # valid JSON: the bad byte is escaped, not written raw
    shown = document["file"] if code == 0 else document["error"]
    assert os.fsdecode(name) in shown and document.get("exit_code", code) == code


# reset without a terminal --------------------------------------------------------------------


def test_without_a_terminal_reset_refuses_on_a_passed_drill_too_and_says_the_pass_would_go(cli: Invoke, workspace: Path) -> None:
    (workspace / "answer.py").write_text("answer = 42\nprint(answer)\n")
    assert cli("run", "answer").exit_code == 0
    refused = cli("reset", "answer")
    assert refused.exit_code == 2
    words = " ".join(refused.output.split())
    assert "clears your pass of fixture-answer" in words and "drilltutor reset answer --yes" in words
    assert json.loads(cli("list", "--json").output)["drills"][0]["status"] == "passed"
    assert (workspace / "answer.py").read_text() == "answer = 42\nprint(answer)\n"


def test_the_readme_says_what_reset_does_without_a_terminal() -> None:
    readme = " ".join((Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8").split())
    assert "`reset` refuses unless given `--yes` (on any drill" in readme


# tab completion ---------------------------------------------------------------------------------


def _complete(words: str, drills: Path) -> list[str]:
    env = {"_DRILLTUTOR_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split(" ")) - 1), "DRILLTUTOR_DRILLS": str(drills)}
    result = CliRunner().invoke(app, [], env=env, prog_name="drilltutor")
    assert result.exit_code == 0, result.output
    return result.output.split()


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        ("drilltutor run ans", ["answer"]),
        ("drilltutor run fix", ["fixture-answer", "fixture-webapp"]),
        ("drilltutor run ", ["fixture-answer", "answer", "fixture-webapp", "webapp"]),  # no bare numbers
        ("drilltutor start 2", ["2"]),
        ("drilltutor hint web", ["webapp"]),
        ("drilltutor reset ", ["fixture-answer", "answer", "fixture-webapp", "webapp"]),
        ("drilltutor tick s", ["say-it"]),
        ("drilltutor grade submission --drill web", ["webapp"]),
    ],
)
def test_tab_completes_drill_ids_aliases_and_numbers(drills: Path, words: str, offered: list[str]) -> None:
    assert _complete(words, drills) == offered


def test_tab_completion_with_a_broken_drills_folder_offers_nothing_and_fails_nothing(tmp_path: Path) -> None:
    assert _complete("drilltutor run a", tmp_path / "no-such-folder") == []


# values cut short say so -----------------------------------------------------------------------


def test_clip_marks_a_cut_with_an_ellipsis_and_leaves_a_short_text_alone() -> None:
    assert clip("$2b$12$" + "x" * 60, 20) == "$2b$12$" + "x" * 12 + "…"
    assert len(clip("y" * 500, 120)) == 120
    assert clip("short", 120) == "short"


def test_drill_5_shows_a_user_cut_short_with_an_ellipsis(catalogue: Catalogue, tmp_path: Path) -> None:
    drill = catalogue.find("401")
    (mistake,) = [v for v in load_variants(drill.mistakes_file, "mistake", drill.solution_path) if v.name == "unverified_claims"]
    mine = tmp_path / "drill_5_401.py"
    mine.write_text(mistake.source(), encoding="utf-8")
    report = run_drill(catalogue, drill, mine, RunOptions(timeout=60))
    (failed,) = report.failed_checks
    returned = failed.got.split("get_current_user returned ", 1)[1].split("; the same for")[0]
    assert "hashed_password" in returned and returned.endswith("…")  # the hash inside was cut, and it says so


# 80 columns ---------------------------------------------------------------------------------------

CODE = "    return jwt.decode(token, SECRET, algorithms=[ALGORITHM], options={'require': ['exp', 'sub']})['sub_claim']"
CARETS = " " * CODE.index("jwt") + "^" * len("jwt.decode(token, SECRET, algorithms=[ALGORITHM], options={'require': ['exp', 'sub']})")
TRACE = f'Traceback (your file only):\n  File "drill_4.py", line 9, in get_current_user\n{CODE}\n{CARETS}\nKeyError: \'sub_claim\''


def _shown(report: RunReport, width: int = 80) -> list[str]:
    stream = io.StringIO()
    out = Console(file=stream, width=width, color_system=None, highlight=False, emoji=False)
    render.run_outcome(out, RunOutcome(report, "dependency"))
    return stream.getvalue().splitlines()


def test_a_traceback_is_shown_line_for_line_so_the_carets_stay_under_their_code() -> None:
    problem = Problem("crash", "your file raised KeyError: 'sub_claim' while it ran, before any check", TRACE)
    lines = _shown(RunReport("drill-4", "drill_4_dependency.py", problem=problem, duration=0.97))
    code = next(line for line in lines if line.endswith("['sub_claim']"))
    carets = lines[lines.index(code) + 1]
    assert set(carets.strip()) == {"^"}  # one line of carets, not folded by drilltutor
    assert carets.index("^") == code.index("jwt") and len(carets) == code.index("jwt") + len(CARETS.strip())


@pytest.mark.parametrize("duration", [0.97, 12.3])
def test_the_duration_never_splits_from_its_unit(duration: float) -> None:
    problem = Problem("crash", "your file raised an error while it ran", "")
    for width in range(40, 101):
        text = "\n".join(_shown(RunReport("drill-4", "drill_4_dependency.py", problem=problem, duration=duration), width))
        assert f"({duration:g}s)" in text, text


def test_printed_output_cut_to_its_end_says_so() -> None:
    check = CheckResult("printed", "the file prints 42", "failed", got="it printed 41")
    lines = _shown(RunReport("fixture-answer", "answer.py", checks=[check], output="start\n" + "x" * 3000 + "\nend\n"))
    assert any("your file printed (cut short)" in line for line in lines)
    assert any(line.strip().startswith("…") for line in lines) and "start" not in "\n".join(lines)


# progress taller than the terminal -------------------------------------------------------------


def _terminal(height: int) -> tuple[Console, io.StringIO]:
    stream = io.StringIO()
    return Console(file=stream, width=80, height=height, force_terminal=True, color_system=None, highlight=False, emoji=False), stream


def _lines(count: int) -> Callable[[Console], None]:
    return lambda out: [out.print(f"line {n}") for n in range(count)]


def test_a_checklist_taller_than_the_terminal_goes_through_the_pager(monkeypatch: pytest.MonkeyPatch) -> None:
    paged: list[str] = []
    monkeypatch.setattr(render, "pager_command", lambda environ: ("less", environ))
    monkeypatch.setattr(render, "_page", lambda text, command, environ: paged.append(text) or True)
    out, stream = _terminal(height=40)
    render.paged(out, _lines(55))
    assert paged and paged[0].count("\n") == 55 and stream.getvalue() == ""


def test_a_checklist_that_fits_or_is_piped_is_printed_without_a_pager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "_page", lambda *args: pytest.fail("paged"))
    out, stream = _terminal(height=40)
    render.paged(out, _lines(39))
    assert stream.getvalue().count("\n") == 39
    piped = Console(file=io.StringIO(), width=80, height=10, color_system=None)
    render.paged(piped, _lines(55))
    assert piped.file.getvalue().count("\n") == 55  # type: ignore[attr-defined]


def test_a_pager_that_cannot_start_leaves_the_text_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    out, stream = _terminal(height=5)
    monkeypatch.setattr(render, "pager_command", lambda environ: (["/no/such/pager-program"], environ))
    render.paged(out, _lines(20))
    assert stream.getvalue().count("\n") == 20


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"PAGER": "most"}, "most"),
        ({"PAGER": "most", "DRILLTUTOR_PAGER": "cat"}, None),
        ({"PAGER": ""}, None),
        ({"DRILLTUTOR_PAGER": "less -S"}, "less -S"),
    ],
)
def test_the_pager_is_chosen_as_git_chooses_its_own(environ: dict[str, str], expected: str | None) -> None:
    chosen = render.pager_command(environ)
    assert (chosen[0] if chosen else None) == expected


def test_without_a_chosen_pager_less_quits_when_it_fits_and_keeps_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: "/usr/bin/less")
    assert render.pager_command({}) == (["/usr/bin/less"], {"LESS": "FRX"})
    assert render.pager_command({"LESS": "-S"}) == (["/usr/bin/less"], {"LESS": "-S"})


def test_progress_of_the_real_course_is_taller_than_a_40_row_terminal_and_is_paged(cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DRILLTUTOR_DRILLS")
    paged: list[str] = []
    monkeypatch.setattr(render, "console", lambda stderr=False: _terminal(height=40)[0])
    monkeypatch.setattr(render, "pager_command", lambda environ: ("less", environ))
    monkeypatch.setattr(render, "_page", lambda text, command, environ: paged.append(text) or True)
    assert cli("progress").exit_code == 0
    assert paged and "drill-1" in paged[0] and "Progress file:" in paged[0]


def test_the_damaged_progress_path_is_never_split_at_80_columns(tmp_path: Path) -> None:
    home = tmp_path / "a-folder-with-a-rather-long-name" / "and-another-one-beneath-it" / "drilltutor-home"
    home.mkdir(parents=True)
    (home / "progress.json").write_text("{damaged")
    store = progress.ProgressStore(home / "progress.json")
    store.read()
    (kept,) = home.glob("progress.damaged-*.json")
    out = Console(file=io.StringIO(), width=80, color_system=None)
    render.notices(out, store.notices)
    lines = out.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert any(str(kept) in line for line in lines), lines
    assert all(len(line) <= 80 for line in lines if str(kept) not in line)  # only a word longer than the line may pass the edge


def test_every_reference_docstring_fits_80_columns_so_a_piped_reveal_never_folds_it_mid_word(catalogue: Catalogue) -> None:
    """Piped (`reveal x | less`), the reference is printed exactly as it is, and the terminal folds a long
    line wherever its edge falls. Code may run long; the prose a learner reads first must not."""
    too_long = []
    for drill in catalogue.drills:
        source = drill.solution_path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and ast.get_docstring(node):
                first = node.body[0]
                too_long += [f"{drill.id}:{n}" for n in range(first.lineno, (first.end_lineno or first.lineno) + 1) if len(lines[n - 1]) > 80]
    assert too_long == []


def test_an_error_keeps_its_own_line_breaks_and_never_splits_a_long_path() -> None:
    long_path = "/a/path/" + "much-longer-than-the-line/" * 3 + "progress.json"
    out = Console(file=io.StringIO(), width=40, color_system=None)
    render.error(out, f"first line\nsecond line names {long_path} here", "the hint")
    lines = out.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert lines[0] == "error: first line" and lines[1] == "second line names"
    assert long_path in lines and lines[-1] == "  the hint"
