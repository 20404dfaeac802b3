"""Rich renderers: each takes a command's plain result and prints it for a person.

Output stays readable without colour (NO_COLOR, or not a terminal) because meaning is
always carried by words and symbols, never by colour alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from drilltutor.results import ADVICE, FAILED, PASSED, SKIPPED, CheckResult, RunReport

if TYPE_CHECKING:
    from drilltutor.commands.checklist import Checklist
    from drilltutor.commands.listing import DrillRow
    from drilltutor.commands.reveal import Reveal
    from drilltutor.commands.run import RunOutcome
    from drilltutor.commands.start import StartResult
    from drilltutor.devcheck import Finding

MARKS = {PASSED: ("✓", "green"), FAILED: ("✗", "red"), ADVICE: ("!", "yellow"), SKIPPED: ("-", "dim")}
STATUS_STYLE = {"new": "dim", "attempted": "yellow", "passed": "green", "revealed": "magenta"}


def console(stderr: bool = False) -> Console:
    return Console(highlight=False, stderr=stderr)


def bar(done: int, total: int, width: int = 24) -> str:
    filled = round(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled) + f" {done}/{total}"


def error(out: Console, message: str, hint: str = "") -> None:
    out.print(f"[bold red]error:[/] {escape(message)}")
    if hint:
        out.print(f"  {escape(hint)}")


def notices(out: Console, messages: Iterable[str]) -> None:
    for message in messages:
        out.print(f"[yellow]note:[/] {escape(message)}")


# run -----------------------------------------------------------------------------------


def _fields(rows: list[tuple[str, str]]) -> Padding:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in rows:
        if value:
            grid.add_row(label, escape(value))
    return Padding(grid, (0, 0, 0, 6), expand=False)


def _check(out: Console, check: CheckResult, alias: str) -> None:
    mark, style = MARKS.get(check.status, ("?", "white"))
    title = f"  [{style}]{mark} {check.status:<7}[/] {escape(check.title)}"
    if check.status in (PASSED, SKIPPED):
        out.print(title + (f" [dim]({escape(check.got)})[/]" if check.got else ""))
        return
    out.print(title)
    hint = f"drilltutor hint {alias}   (hint {check.hint} is about this)" if check.hint is not None else ""
    out.print(_fields([("sent", check.sent), ("got", check.got), ("expected", check.expected), ("fix", check.fix), ("hint", hint)]))
    if check.detail:
        out.print(Padding(Text(check.detail, style="dim"), (0, 0, 0, 10), expand=False))


def run_outcome(out: Console, outcome: RunOutcome) -> None:
    report: RunReport = outcome.report
    out.print(f"[bold]{report.drill}[/] · {escape(outcome.alias)} · {escape(report.file)}")
    if report.problem is not None:
        out.print(f"  [red]✗ could not run[/] {escape(report.problem.message)}")
        if report.problem.detail:
            out.print(Padding(Text(report.problem.detail, style="dim"), (0, 0, 0, 6), expand=False))
    for check in report.checks:
        _check(out, check, outcome.alias)
    if report.output.strip() and not report.passed:
        more = " (cut short)" if report.output_truncated else ""
        out.print(f"  [bold]your file printed{more}:[/]")
        out.print(Padding(Text(report.output.rstrip()[-2000:]), (0, 0, 0, 6), expand=False))
    out.print(_summary(report))
    notices(out, outcome.notices)


def _summary(report: RunReport) -> str:
    seconds = f"{report.duration:.1f} s"
    if report.problem is not None:
        return f"[bold red]Not checked:[/] your file could not run. Fix the problem above and run again. ({seconds})"
    passed = sum(c.status in (PASSED, ADVICE) for c in report.checks)
    if report.passed:
        advice = sum(c.status == ADVICE for c in report.checks)
        extra = f", with {advice} piece{'s' * (advice != 1)} of advice" if advice else ""
        return f"[bold green]All {len(report.checks)} checks passed{extra}.[/] ({seconds})"
    return f"[bold red]{passed} of {len(report.checks)} checks passed.[/] ({seconds})"


# list, start, reveal, progress ------------------------------------------------------------


def drill_table(out: Console, rows: list[DrillRow]) -> None:
    table = Table(show_edge=False, pad_edge=False, box=None)
    for column in ("#", "drill", "alias", "status", "file", "title"):
        table.add_column(column, overflow="fold")
    for row in rows:
        status = row.status + (" (after reveal)" if row.revealed_before_pass else "")
        if not row.open and row.status == "new":
            status += f" (opens after {', '.join(row.opens_after)})"
        file = row.file if row.file_exists else f"{row.file} (not started)"
        table.add_row(
            "" if row.number is None else str(row.number),
            row.id,
            row.alias,
            f"[{STATUS_STYLE.get(row.status, 'white')}]{escape(status)}[/]",
            escape(file),
            escape(row.title),
        )
    out.print(table)


def start_result(out: Console, result: StartResult, alias: str) -> None:
    from rich.markdown import Markdown

    out.print(Markdown(result.prompt))
    if result.written:
        out.print(f"\n[green]Wrote[/] {escape(str(result.path))} (from {escape(result.source)}).")
    else:
        out.print(f"\n[yellow]Kept[/] your {escape(str(result.path))}; it already exists (--force overwrites it).")
    out.print(f"Next: edit it, then run [bold]drilltutor run {escape(alias)}[/] (or [bold]drilltutor watch {escape(alias)}[/]).")


def reveal_result(out: Console, result: Reveal) -> None:
    from rich.syntax import Syntax

    out.print(f"[bold]Reference solution for {result.drill}[/]")
    out.print(Syntax(result.solution, "python", theme="ansi_dark", line_numbers=False))
    if result.passed and result.diff:
        out.print("[bold]Your file beside the reference[/] (- yours, + reference):")
        out.print(Syntax(result.diff, "diff", theme="ansi_dark"))
    elif not result.passed:
        out.print("[magenta]Recorded as revealed.[/] Type it yourself from memory before you run it; a pass will say it came after a reveal.")


def checklist(out: Console, result: Checklist) -> None:
    out.print(f"[bold]Progress[/] {bar(result.done, result.total)}")
    for row in result.drills:
        done = row.status == "passed"
        note = " (after reveal)" if row.revealed_before_pass else ""
        out.print(f"  [{'green' if done else 'dim'}]{'[x]' if done else '[ ]'}[/] {row.id:<11} {escape(row.title)} · {row.status}{note}")
    out.print("[bold]Self-check[/] (tick only what you can do without looking: drilltutor tick ITEM)")
    for item in result.items:
        out.print(f"  [{'green' if item.ticked else 'dim'}]{'[x]' if item.ticked else '[ ]'}[/] {item.id:<17} {escape(item.text)}")
    out.print(f"[dim]Progress file: {escape(result.progress_file)}[/]")


def findings(out: Console, found: list[Finding]) -> None:
    for finding in found:
        mark, style = ("✓", "green") if finding.ok else ("✗", "red")
        out.print(f"  [{style}]{mark}[/] {finding.drill:<11} {escape(finding.subject):<40} {escape(finding.message)}")
    bad = sum(not f.ok for f in found)
    out.print(f"[bold {'red' if bad else 'green'}]{len(found) - bad} of {len(found)} cases as expected.[/]")
