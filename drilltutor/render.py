"""Rich renderers: each takes a command's plain result and prints it for a person.

Output stays readable without colour (NO_COLOR, or not a terminal) because meaning is
always carried by words and symbols, never by colour alone.
"""

from __future__ import annotations

import os
import re
import sys
import textwrap
from typing import IO, TYPE_CHECKING, Callable, Iterable

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from drilltutor.results import ADVICE, FAILED, PASSED, SKIPPED, CheckResult, RunReport

if TYPE_CHECKING:
    from datetime import datetime, timedelta
    from pathlib import Path

    from drilltutor.commands.cards import Deck, Screen, Sitting
    from drilltutor.commands.checklist import Checklist
    from drilltutor.commands.doctor import Report
    from drilltutor.commands.hint import Hints
    from drilltutor.commands.home import Home, Step
    from drilltutor.commands.reset import AllReset, DrillReset
    from drilltutor.commands.watch import Frame
    from drilltutor.commands.listing import DrillRow
    from drilltutor.commands.reveal import Reveal
    from drilltutor.commands.run import RunOutcome
    from drilltutor.commands.start import StartResult
    from drilltutor.devcheck import Finding
    from drilltutor.mutation import DrillScore

MARKS = {PASSED: ("✓", "green"), FAILED: ("✗", "red"), ADVICE: ("!", "yellow"), SKIPPED: ("-", "dim")}
STATUS_STYLE = {"new": "dim", "attempted": "yellow", "passed": "green", "revealed": "magenta"}


class _TrimmedLines:
    """A stream that drops the blanks Rich pads lines with, so piped output ends each line where its words do."""

    def __init__(self, target: IO[str]) -> None:
        self.target = target
        self.pending = ""  # the start of a line whose end has not been written yet

    def write(self, text: str) -> int:
        *lines, self.pending = (self.pending + text).split("\n")
        if lines:
            self.target.write("".join(line.rstrip(" ") + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        if self.pending:
            self.target.write(self.pending)
            self.pending = ""
        self.target.flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return getattr(self.target, "encoding", None) or "utf-8"

    def __getattr__(self, name: str) -> object:  # fileno, errors, buffer...: the stream's own
        return getattr(self.target, name)


def trim_piped_streams() -> None:
    """Piped stdout and stderr lose Rich's trailing blanks for the whole process: Typer's help and errors too."""
    if sys.stdout is not None and not sys.stdout.isatty():
        sys.stdout = _TrimmedLines(sys.stdout)
    if sys.stderr is not None and not sys.stderr.isatty():
        sys.stderr = _TrimmedLines(sys.stderr)


def console(stderr: bool = False) -> Console:
    # emoji=False: no ":name:" codes are used, and looking for them in every cell costs ~3 ms per table.
    stream = sys.stderr if stderr else sys.stdout
    if stream is None or stream.isatty():  # a terminal shows no trailing blanks; keep Rich's own stream and its size
        return Console(highlight=False, emoji=False, stderr=stderr)
    return Console(highlight=False, emoji=False, file=_TrimmedLines(stream))  # type: ignore[arg-type]


def bar(done: int, total: int, width: int = 24) -> str:
    filled = round(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled) + f" {done}/{total}"


def bar_width(out: Console, reserved: int) -> int:
    """A bar that fits on one line beside `reserved` characters of words, even at 40 columns."""
    return max(8, min(24, out.width - reserved - 1))


NARROW = 60  # below this many columns, tables become stacked lines


def _indented(out: Console, text: str, indent: int, style: str = "") -> None:
    """Text wrapped to the console and indented, without the trailing blanks a Padding would add."""
    for paragraph in text.splitlines() or [""]:
        for line in textwrap.wrap(paragraph, max(20, out.width - indent)) or [""]:
            out.print(Text(" " * indent + line, style=style))


def _commands(out: Console, steps: list[Step]) -> None:
    """Commands to type, each with what it does: side by side when there is room, else stacked."""
    width = max(len(step.command) for step in steps)
    beside = out.width - width - 4 >= 24
    for step in steps:
        if beside:
            first, *rest = textwrap.wrap(step.why, out.width - width - 4) or [""]
            out.print(f"  [bold]{escape(step.command.ljust(width))}[/]  {escape(first)}")
            for line in rest:
                out.print(Text(" " * (width + 4) + line))
        else:
            out.print(f"  [bold]{escape(step.command)}[/]")
            _indented(out, step.why, 4)


def until(delta: timedelta) -> str:
    """A duration as a person says it: 'now', '10 min', '3 h', '4 days'."""
    seconds = delta.total_seconds()
    if seconds < 60:
        return "now" if seconds < 30 else "1 min"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    if seconds < 86400:
        return f"{round(seconds / 3600)} h"
    days = round(seconds / 86400)
    return f"{days} day{'s' * (days != 1)}"


def _unbroken(out: Console, label: Text, message: str, indent: int = 0) -> None:
    """`label message`, wrapped only between words: a path or a command longer than the line stays whole
    on a line of its own (the terminal folds it, and a copy of it is one piece), never split at a slash."""
    width = max(20, out.width - indent)
    room = "x" * len(label)  # where the label goes on the first line
    lines = [
        wrapped
        for number, paragraph in enumerate(message.split("\n"))
        for wrapped in textwrap.wrap(paragraph, width, initial_indent=room * (number == 0), break_long_words=False, break_on_hyphens=False) or [""]
    ]
    if label and len(lines[0]) > width:  # the first word does not fit beside the label: the label stands alone
        lines[0:1] = [room, lines[0][len(room) :]]
    for number, line in enumerate(lines):
        text = Text(" " * indent)
        text.append_text(label if number == 0 else Text())
        text.append(line[len(label) :] if number == 0 else line)
        out.print(text, soft_wrap=True)


def error(out: Console, message: str, hint: str = "") -> None:
    _unbroken(out, Text.from_markup("[bold red]error:[/] "), message)
    if hint:
        _unbroken(out, Text(), hint, indent=2)


def notices(out: Console, messages: Iterable[str]) -> None:
    for message in messages:
        _unbroken(out, Text.from_markup("[yellow]note:[/] "), message)


# run -----------------------------------------------------------------------------------


def _fields(rows: list[tuple[str, str]]) -> Padding:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in rows:
        if value:
            grid.add_row(label, escape(value))
    return Padding(grid, (0, 0, 0, 6), expand=False)


def _status_line(out: Console, status: str, title: str) -> None:
    mark, style = MARKS.get(status, ("?", "white"))
    # A title too long for the line wraps under itself, not under the mark.
    line = Table.grid(padding=(0, 1))
    line.add_column(no_wrap=True)
    line.add_column()
    line.add_row(f"[{style}]{mark} {status:<7}[/]", title)
    out.print(Padding(line, (0, 0, 0, 2), expand=False))


_WAITS_ON = re.compile(r"not run: it needs .+ to pass first")  # the harness's words for a check that waits on another


def _skipped(out: Console, checks: list[CheckResult], failures: int) -> None:
    """The checks not run in one line: how many wait on the failure, not a line each (--json lists every one)."""
    waiting = sum(bool(_WAITS_ON.fullmatch(c.got)) for c in checks)
    if waiting:
        those = f"{waiting} check{'s' * (waiting != 1)} not run"
        they = "it depends" if waiting == 1 else "they depend"
        runs = "runs" if waiting == 1 else "run"
        failed = "the failure below" if failures == 1 else "the failures below"
        _status_line(out, SKIPPED, f"[dim]{those}: {they} on {failed} and {runs} once {'that passes' if failures == 1 else 'those pass'}[/]")
    others: dict[str, int] = {}
    for check in checks:
        if not _WAITS_ON.fullmatch(check.got):
            others[check.got] = others.get(check.got, 0) + 1
    for reason, count in others.items():
        _status_line(out, SKIPPED, f"[dim]{count} check{'s' * (count != 1)} {escape(reason)}[/]")


def _check(out: Console, check: CheckResult, alias: str) -> None:
    title = escape(check.title)
    if check.status == PASSED and check.got:
        title += f" [dim]({escape(check.got)})[/]"
    _status_line(out, check.status, title)
    if check.status == PASSED:
        return
    hint = f"drilltutor hint {alias} {check.hint}   (the hint about this)" if check.hint is not None else ""
    out.print(_fields([("sent", check.sent), ("got", check.got), ("expected", check.expected), ("fix", check.fix), ("hint", hint)]))
    if check.detail:
        _verbatim(out, check.detail, 10)


def _verbatim(out: Console, text: str, indent: int) -> None:
    """A traceback line for line, never re-wrapped: the terminal folds a long line at its edge, and
    the caret line under it folds at the same column, so the carets stay under the code they mark."""
    for line in text.rstrip("\n").splitlines():
        out.print(Text(" " * indent + line, style="dim"), soft_wrap=True)


PRINTED_SHOWN = 2000  # characters of the learner's printed output shown under a failure (--json has all that was kept)


def run_outcome(out: Console, outcome: RunOutcome) -> None:
    report: RunReport = outcome.report
    out.print(f"[bold]{report.drill}[/] · {escape(outcome.alias)} · {escape(report.file)}")
    if report.problem is not None:
        out.print(f"  [red]✗ could not run[/] {escape(report.problem.message)}")
        if report.problem.detail:
            _verbatim(out, report.problem.detail, 6)
        if report.problem.hint is not None:
            out.print(f"      [bold]hint[/] drilltutor hint {escape(outcome.alias)} {report.problem.hint}")
    # What passed, then what did not run, then the failures: the failure is last on screen, where the eye lands.
    for check in report.checks:
        if check.status in (PASSED, ADVICE):
            _check(out, check, outcome.alias)
    _skipped(out, [c for c in report.checks if c.status == SKIPPED], len(report.failed_checks))
    if report.output.strip() and not report.passed:
        printed = report.output.rstrip()
        shown = printed if len(printed) <= PRINTED_SHOWN else "…" + printed[-PRINTED_SHOWN:]  # the end, where it failed
        more = " (cut short)" if report.output_truncated or shown is not printed else ""
        out.print(f"  [bold]your file printed{more}:[/]")
        out.print(Padding(Text(shown), (0, 0, 0, 6), expand=False))
    for check in report.checks:
        if check.status not in (PASSED, ADVICE, SKIPPED):
            _check(out, check, outcome.alias)
    out.print(_summary(report))
    notices(out, outcome.notices)


def _summary(report: RunReport) -> str:
    # a quick failure is not "0.0s"; and no space inside, so the wrap of a long verdict never leaves "(0.97" and "s)" apart
    seconds = f"{report.duration:.{2 if report.duration < 1 else 1}f}s"
    if report.problem is not None:
        return f"[bold red]Not checked:[/] your file could not run. Fix the problem above and run again. ({seconds})"
    passed = sum(c.status in (PASSED, ADVICE) for c in report.checks)
    if report.passed:
        advice = sum(c.status == ADVICE for c in report.checks)
        extra = f", with {advice} piece{'s' * (advice != 1)} of advice" if advice else ""
        count = f"{len(report.checks)} check{'s' * (len(report.checks) != 1)}"
        return f"[bold green]All {count} passed{extra}.[/] ({seconds})"
    return f"[bold red]{passed} of {len(report.checks)} checks passed.[/] ({seconds})"


# list, start, reveal, progress ------------------------------------------------------------


def _status_of(row: DrillRow) -> str:
    status = row.status + (" (after reveal)" if row.revealed_before_pass else "")
    if not row.open and row.status == "new":  # short, so that no status wraps in 80 columns
        status += f" ({', '.join(row.opens_after)} first)"
    return status


def drill_table(out: Console, rows: list[DrillRow]) -> None:
    if out.width < NARROW:
        for row in rows:
            number = "" if row.number is None else f"{row.number} "
            style = STATUS_STYLE.get(row.status, "white")
            out.print(f"{number}[bold]{row.id}[/] · {escape(row.alias)} · [{style}]{escape(_status_of(row))}[/]")
            _indented(out, row.title, 2)
            _indented(out, row.file if row.file_exists else f"{row.file} (not started)", 2)
        return
    table = Table(show_edge=False, pad_edge=False, box=None)
    for column in ("#", "drill", "alias"):
        table.add_column(column, no_wrap=True)
    table.add_column("status", no_wrap=True)  # a status is read at a glance: never split over two lines
    table.add_column("file", no_wrap=True)
    table.add_column("there", no_wrap=True)
    # Squeezed below 100 columns a title wraps a word a line; the alias names the topic there.
    with_title = out.width >= 100
    if with_title:
        table.add_column("title", overflow="fold", ratio=1)
    for row in rows:
        table.add_row(
            "" if row.number is None else str(row.number),
            row.id,
            row.alias,
            f"[{STATUS_STYLE.get(row.status, 'white')}]{escape(_status_of(row))}[/]",
            escape(row.file),
            "yes" if row.file_exists else "[dim]no[/]",  # whether the learner's file exists yet
            *([escape(row.title)] if with_title else []),
        )
    out.print(table)


def start_result(out: Console, result: StartResult, alias: str) -> None:
    start_prompt(out, result)
    if not result.written:
        out.print("(--force overwrites it with the starter.)")
    out.print(f"Next: edit it, then run [bold]drilltutor run {escape(alias)}[/] (or [bold]drilltutor watch {escape(alias)}[/]).")


def _code(out: Console, text: str, lexer: str) -> None:
    """Code shown whole: wrapped in a terminal, and exactly as it is when piped to a file."""
    if not out.is_terminal:
        out.print(text.rstrip("\n"), markup=False, highlight=False, soft_wrap=True)
        return
    from rich.syntax import Syntax

    out.print(Syntax(text, lexer, theme="ansi_dark", word_wrap=True))


def reveal_result(out: Console, result: Reveal) -> None:
    out.print(f"[bold]Reference solution for {result.drill}[/]")
    _code(out, result.solution, "python")
    if result.passed and result.diff:
        out.print("[bold]Your file beside the reference[/] (- yours, + reference):")
        _code(out, result.diff, "diff")
    elif not result.passed:
        out.print("[magenta]Recorded as revealed.[/] Type it yourself from memory before you run it; a pass will say it came after a reveal.")


def checklist(out: Console, result: Checklist) -> None:
    """One list: each drill with its own "without looking" item beneath it, then the course's items."""
    total = f" {result.done}/{result.total}"
    out.print(f"[bold]Progress[/] {bar(result.done, result.total, bar_width(out, 9 + len(total)))}")
    by_id = {item.id: item for item in result.items}
    for row in result.drills:
        note = " after a reveal" if row.revealed_before_pass else ""
        _checkbox(out, row.status == "passed", row.id, f"{row.title} ({row.status}{note})", 2)
        own = by_id.pop(row.id, None)
        if own is not None:
            _checkbox(out, own.ticked, "", f"self-check: {own.text}", 6)
    if by_id:
        out.print("[bold]The course's self-check[/]")
        for item in by_id.values():
            _checkbox(out, item.ticked, item.id, item.text, 2)
    _indented(out, "Drills tick themselves when they pass. Tick the rest only when you can do it without looking: drilltutor tick ITEM (a drill's own item: drilltutor tick DRILL).", 0)
    _unbroken(out, Text("Progress file: ", style="dim"), result.progress_file)


def paged(out: Console, draw: Callable[[Console], None]) -> None:
    """What `draw` prints; in a terminal too short for it, through a pager, as git does.

    The pager is $PAGER (run by the shell, as git runs it), else `less` with LESS=FRX unless LESS
    is set: it quits at once when the text fits after all, keeps colour, and leaves the text on
    the screen after q. Piped output, or no pager to be found, prints as it is.
    """
    if not out.is_terminal:
        draw(out)
        return
    with out.capture() as captured:
        draw(out)
    text = captured.get()
    command = pager_command(dict(os.environ)) if text.count("\n") > out.height - 1 else None
    if command is None or not _page(text, *command):
        out.file.write(text)
        out.file.flush()


def pager_command(environ: dict[str, str]) -> tuple[str | list[str], dict[str, str]] | None:
    """(command, environment) of the pager to use, or None: $PAGER (empty or `cat` means none), else less."""
    import shutil

    chosen = environ.get("DRILLTUTOR_PAGER", environ.get("PAGER"))
    if chosen is not None:
        return None if chosen.strip() in ("", "cat") else (chosen, environ)
    found = shutil.which("less")
    return None if found is None else ([found], {**environ, "LESS": environ.get("LESS", "FRX")})


def _page(text: str, command: str | list[str], environ: dict[str, str]) -> bool:
    """Whether the pager showed it; a pager that cannot start leaves the printing to the caller."""
    import subprocess

    try:
        subprocess.run(command, input=text, text=True, env=environ, shell=isinstance(command, str), check=False)
    except OSError:
        return False
    return True


def _checkbox(out: Console, done: bool, label: str, text: str, indent: int) -> None:
    """`[x] label text`, wrapped under the text; the box says it in words, the colour only repeats it."""
    lines = textwrap.wrap(f"{label} {text}" if label else text, max(20, out.width - indent - 4)) or [""]
    first = Text(" " * indent)
    first.append("[x]" if done else "[ ]", style="green" if done else "dim")
    first.append(" ")
    if label and lines[0].startswith(label):
        first.append(label, style="bold")
        first.append(lines[0][len(label) :])
    else:
        first.append(lines[0])
    out.print(first)
    for line in lines[1:]:
        out.print(Text(" " * (indent + 4) + line))


def findings(out: Console, found: list[Finding]) -> None:
    for finding in found:
        mark, style = ("✓", "green") if finding.ok else ("✗", "red")
        # One case a line even in an 80-column log: a wrapped line splits the check id it names.
        out.print(f"  [{style}]{mark}[/] {finding.drill:<11} {escape(finding.subject):<40} {escape(finding.message)}", soft_wrap=True)
    bad = sum(not f.ok for f in found)
    out.print(f"[bold {'red' if bad else 'green'}]{len(found) - bad} of {len(found)} cases as expected.[/]")


def new_drill(out: Console, drill_id: str, files: list[Path]) -> None:
    out.print(f"[green]✓[/] Wrote the drill [bold]{escape(drill_id)}[/] in {escape(str(files[0].parent))}:", soft_wrap=True)
    for path in files:
        out.print(f"    {escape(path.name)}", soft_wrap=True)
    out.print(f"Prove it with [bold]drilltutor dev check {escape(drill_id)}[/], then make it yours (docs/writing-drills.md).", soft_wrap=True)


def mutant_scores(out: Console, scores: list[DrillScore]) -> None:
    for result in scores:
        mark, style = ("✓", "green") if result.ok else ("✗", "red")
        explained = len(result.survivors) - len(result.unexplained)
        out.print(
            f"[{style}]{mark}[/] [bold]{escape(result.drill)}[/]  {result.mutants} mutants · {result.killed} killed · "
            f"{len(result.survivors)} survived ({explained} explained) · score {result.score:.0%}",
            soft_wrap=True,
        )
        security = result.families.get("security")
        if security is not None and security.mutants:
            made = ", ".join(f"{op} {n}" for op, n in sorted(security.operators.items()))
            out.print(
                f"    security: {security.mutants} mutants · {security.killed} killed · {security.survived} survived "
                f"({security.explained} explained) · [dim]{escape(made)}[/]",
                soft_wrap=True,
            )
        if not result.reference_passes:
            out.print("    [red]the reference itself does not pass its checks: run `drilltutor dev check` first[/]", soft_wrap=True)
        for survivor in result.survivors:
            if survivor.explained:
                out.print(f"    [dim]· {escape(survivor.id)} ({survivor.excuse}): {escape(survivor.why)}[/]", soft_wrap=True)
        for survivor in result.unexplained:
            out.print(f"    [red]✗[/] {escape(survivor.id)} (line {survivor.line}): {escape(survivor.description)}", soft_wrap=True)
            if survivor.problem:
                out.print(f"      [red]{survivor.excuse} does not hold:[/] {escape(survivor.problem)}", soft_wrap=True)
            _code(out, survivor.diff, "diff")
        for entry in result.stale:
            out.print(f"    [red]✗[/] stale explanation {escape(entry.id)}: {escape(entry.reason)}", soft_wrap=True)
    total, killed = sum(s.mutants for s in scores), sum(s.killed for s in scores)
    unexplained = sum(len(s.unexplained) for s in scores)
    stale = sum(len(s.stale) for s in scores)
    style = "green" if all(s.ok for s in scores) else "red"
    out.print(f"[bold {style}]{killed} of {total} mutants killed; {unexplained} survivor(s) nobody explained or whose excuse does not hold; {stale} stale.[/]", soft_wrap=True)
    if unexplained:
        out.print(
            escape(
                "Explain a survivor in the drill's mutants.toml ([[survivor]] id, why, excuse = \"equivalent\" proven by replay, "
                "or \"allowed\" with the contract sentence in `contract`), or add a check that kills it."
            ),
            soft_wrap=True,
        )


# home, hint ------------------------------------------------------------------------------


def home(out: Console, result: Home) -> None:
    out.print("[bold]drilltutor[/] · auth drills you type yourself")
    count = f" {result.passed}/{result.drills} passed"
    out.print(f"Drills {bar(result.passed, result.drills, bar_width(out, 7 + len(count)))} passed")
    extras = [f"{result.ticked}/{result.items} self-check items ticked"]
    if result.cards_due or result.cards_new:
        from drilltutor.commands.cards import card_counts

        extras.append(f"cards: {card_counts(result.cards_due, result.cards_new)}")
    _indented(out, " · ".join(extras), 7)
    if result.drill is None:
        out.print("\n[green]Every drill passed.[/] Next:")
    else:
        out.print(f"\n[bold]Next:[/] {result.drill} · {escape(result.title)} [dim]({result.status})[/]")
    _commands(out, [result.next])
    if result.also:
        out.print("[bold]Also:[/]")
        _commands(out, result.also)
    out.print("[dim]Every command: drilltutor --help[/]")


def hints(out: Console, result: Hints) -> None:
    if result.total == 0:
        out.print(f"{result.drill} has no hints. Read the task again with: [bold]drilltutor start {escape(result.alias)}[/]")
        return
    if not result.shown:
        out.print(f"No hints opened yet for {result.drill}. The first: [bold]drilltutor hint {escape(result.alias)}[/]")
        return
    for number, text in result.shown:
        out.print(f"[bold]{result.drill} · hint {number} of {result.total}[/]")
        _indented(out, text, 2)
        out.print()
    following = result.shown[-1][0] + 1  # after the hint on screen, which an earlier number may have reopened
    if following <= result.opened:
        out.print(f"The next one: [bold]drilltutor hint {escape(result.alias)} {following}[/] (hint {following} of {result.total})")
    elif following <= result.total:
        out.print(f"Still stuck? The next rung: [bold]drilltutor hint {escape(result.alias)}[/] (hint {following} of {result.total})")
    else:
        out.print(
            "That is the last hint; the rest is yours to type. A failing check's [bold]fix[/] line says what to change. "
            f"If you are still stuck after that: [bold]drilltutor reveal {escape(result.alias)}[/]"
        )
    if result.opened > 1:
        out.print(f"[dim]Re-read every hint you have opened: drilltutor hint {escape(result.alias)} --all[/]")


# watch -----------------------------------------------------------------------------------


WATCH_FOOTERS = {
    "save": "Watching {file} ({drill} · {alias}). Save a change to check it again; Ctrl-C stops.",
    "enter": "Watching {file} ({drill} · {alias}). Press Enter to check it again; q then Enter stops.",
    "once": "Not a terminal, so watch stops here. In a terminal it checks {file} each time you save it; "
    "--manual checks it once per line it reads.",
}


def watch_frame(out: Console, frame: Frame, mode: str) -> None:
    """One redraw. `mode` says what brings the next one: "save", "enter", or "once" (nothing: no terminal)."""
    out.clear()
    out.rule(f"watch · run {frame.runs} · {frame.at:%H:%M:%S}" if frame.runs else "watch")
    # Top to bottom, as it happened: the verdict, then (after a pass) the next drill's task, then what watch does now.
    if frame.outcome is not None:
        run_outcome(out, frame.outcome)
    if frame.problem:
        out.print(f"[yellow]Waiting:[/] {escape(frame.problem)}")
    if frame.outcome is not None and frame.started is not None and frame.watching is not None:
        out.print(f"\n[bold green]{frame.outcome.report.drill} passed.[/] On to {frame.watching.drill} · {escape(frame.watching.title)}:")
    if frame.started is not None:
        out.rule(frame.started.drill)
        start_prompt(out, frame.started)
    if frame.watching is None:
        out.print("[bold green]Every drill passed.[/] Keep it fresh: [bold]drilltutor cards[/]")
        return
    target = frame.watching
    if frame.outcome is not None and frame.started is not None:  # a long task pushes the verdict off the top: say it once more
        out.print(f"[green]✓ {frame.outcome.report.drill} passed[/] (its checks are above the task).")
    if frame.stays:
        _indented(out, f"{target.drill} had passed before, so watch stays on it while you refactor. To move on: drilltutor watch --move-on {target.alias} (or drilltutor watch, for the next drill).", 0, style="dim")
    _indented(out, WATCH_FOOTERS[mode].format(file=target.file, drill=target.drill, alias=target.alias), 0, style="dim")


def start_prompt(out: Console, result: StartResult) -> None:
    from rich.markdown import Markdown

    out.print(Markdown(result.prompt))
    if result.written:
        out.print(f"\n[green]Wrote[/] {escape(str(result.path))} (from {escape(result.source)}).")
    else:
        out.print(f"\n[yellow]Kept[/] your {escape(str(result.path))}; it already exists.")


# cards -------------------------------------------------------------------------------------

RATING_LABELS = {"again": "1  Again", "hard": "2  Hard", "good": "3  Good", "easy": "4  Easy"}


def card_screen(out: Console, screen: Screen) -> None:
    from rich.panel import Panel

    out.clear()
    more = f", {screen.left} more after this" if screen.left else ", the last one"
    where = "course" if screen.card.source == "course" else screen.card.source
    out.print(f"[bold]Card {screen.number}[/]{more} [dim]({escape(where)} · {escape(screen.card.id)})[/]")
    out.print(Panel(Text(screen.card.front), title="question", title_align="left"))
    if screen.side == "front":
        out.print("Say your answer [bold]out loud[/], then press [bold]space[/] to flip.  [dim](q stops)[/]")
        return
    out.print(Panel(Text(screen.card.back), title="answer", title_align="left"))
    out.print("How well did you know it? Press a number:  [dim](q stops)[/]")
    grid = Table.grid(padding=(0, 2))
    for rating, label in RATING_LABELS.items():
        back = screen.outlook.get(rating)
        grid.add_row(f"[bold]{label}[/]", "" if back is None else f"back in {until(back)}")
    out.print(Padding(grid, (0, 0, 0, 2), expand=False))


def cards_due(out: Console, deck: Deck, now: datetime, interactive: bool) -> None:
    if deck.total == 0:
        out.print("There are no flash cards in this drills folder.")
        return
    if not deck.queue:
        when = "" if deck.next_due is None else f" The next is due in {until(deck.next_due - now)} ({deck.next_due.astimezone():%Y-%m-%d %H:%M})."
        out.print(f"No cards due and no new ones today.{when}")
    else:
        from drilltutor.commands.cards import card_counts

        out.print(f"{card_counts(len(deck.due), len(deck.new))} today.")
    waiting = []
    if deck.held_back:
        waiting.append(f"{deck.held_back} more new tomorrow or later ({deck.new_per_day} new a day; cards --new-per-day N changes it)")
    if deck.not_reached:
        waiting.append(f"{deck.not_reached} arrive as you start more drills")
    if waiting:
        _indented(out, "Of the rest: " + "; ".join(waiting) + ".", 0, style="dim")
    if deck.queue and not interactive:
        out.print("Review them in a terminal: [bold]drilltutor cards[/] (answer out loud, flip, rate yourself).")


def cards_after(out: Console, sitting: Sitting, deck: Deck, now: datetime) -> None:
    out.clear()
    again = f" ({sitting.again} rated Again)" if sitting.again else ""
    out.print(f"Reviewed {sitting.reviewed} card{'s' * (sitting.reviewed != 1)}{again}. Your ratings are saved.")
    cards_due(out, deck, now, interactive=True)


# reset, doctor -------------------------------------------------------------------------------


def drill_reset(out: Console, result: DrillReset) -> None:
    out.print(f"[bold]Reset {result.drill}[/]: {escape(result.file.name)} holds {escape(result.source)} again.")
    if result.backup is not None:
        out.print(f"Your version is kept beside it as {escape(result.backup.name)}.")
    elif result.had_file:
        out.print("No .bak copy made: your file was the starter already, unchanged.")
    if result.reveal == "counts":
        out.print("Its status is cleared. You saw the reference before you passed, so that stays on record: the next pass will say it came after a reveal.")
    elif result.reveal == "after pass":
        out.print("Its status is cleared (new). You saw the reference only after passing, so it does not count: the next pass is a plain pass.")
    else:
        out.print("Its status is cleared.")
    if result.unticked:
        out.print("Its self-check item is unticked too: tick it again once you have passed it from memory.")
    out.print(f"Next: [bold]drilltutor watch {escape(result.alias)}[/] and type it again from memory.")


def all_reset(out: Console, result: AllReset) -> None:
    out.print("[bold]All progress cleared[/]: drills, self-check ticks and card reviews. Your drill files were left as they are.")
    if result.backup is not None:
        out.print("A copy of the old progress is kept at:")
        out.print(Text(str(result.backup)), soft_wrap=True)


DOCTOR_MARKS = {"ok": ("✓", "green"), "warn": ("!", "yellow"), "broken": ("✗", "red"), "info": ("·", "dim")}


def doctor(out: Console, report: Report) -> None:
    width = max(len(f.topic) for f in report.findings)
    for finding in report.findings:
        mark, style = DOCTOR_MARKS.get(finding.status, ("?", "white"))
        label = "fix" if finding.status in ("broken", "warn") else "tip"
        if out.width >= NARROW:
            first, *rest = textwrap.wrap(finding.message, out.width - width - 3) or [""]
            out.print(f"[{style}]{mark}[/] [bold]{finding.topic.ljust(width)}[/] {escape(first)}")
            for line in rest:
                out.print(Text(" " * (width + 3) + line))
            indent = width + 3
        else:
            out.print(f"[{style}]{mark}[/] [bold]{finding.topic}[/]")
            _indented(out, finding.message, 4)
            indent = 4
        if finding.fix:  # one soft-wrapped line, so a copied command stays whole
            out.print(Text(f"{' ' * indent}{label}: {finding.fix}"), soft_wrap=True)
    broken = sum(f.status == "broken" for f in report.findings)
    if broken:
        out.print(f"[bold red]{broken} problem{'s' * (broken != 1)} to fix[/] (✗ above).")
    else:
        out.print("[bold green]Nothing broken.[/]")
