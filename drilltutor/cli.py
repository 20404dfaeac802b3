"""The command line: parse, call a command module, render its result. Nothing else lives here."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperGroup

from drilltutor import render
from drilltutor.errors import DrilltutorError, ExitCode


class _Group(TyperGroup):
    """Where a DrilltutorError becomes a message and an exit code, for every command (CliRunner included)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except DrilltutorError as exc:
            render.error(render.console(stderr=True), exc.message, exc.hint)
            ctx.exit(int(exc.exit_code))


app = typer.Typer(
    cls=_Group,
    help="Type-it-yourself drills for backend authentication, checked by hidden tests against your own code.",
    add_completion=False,
    pretty_exceptions_enable=False,
)
dev_app = typer.Typer(help="Tools for drill authors.", add_completion=False)
app.add_typer(dev_app, name="dev")

Workspace = Annotated[Optional[Path], typer.Option("--dir", help="Folder with your drill files (default: the current folder).")]
DrillsDir = Annotated[
    Optional[Path], typer.Option("--drills-dir", help="Use another folder of drills (also: DRILLTUTOR_DRILLS).")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of text.")]
DrillName = Annotated[str, typer.Argument(help="A drill id, alias or number, e.g. drill-3, expiry or 3.")]


def _session(workspace: Path | None, drills_dir: Path | None) -> Any:
    from drilltutor.commands.session import open_session

    return open_session(workspace, drills_dir)


def _emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@app.command("list")
def list_command(workspace: Workspace = None, drills_dir: DrillsDir = None, as_json: AsJson = False) -> None:
    """Every drill, its status (new, attempted, passed, revealed) and whether its file exists."""
    from drilltutor.commands.listing import list_drills

    session = _session(workspace, drills_dir)
    rows = list_drills(session)
    if as_json:
        _emit_json({"drills": [asdict(r) for r in rows], "notices": session.store.notices})
        return
    out = render.console()
    render.drill_table(out, rows)
    render.notices(out, session.store.notices)


@app.command()
def start(
    drill: DrillName,
    force: Annotated[bool, typer.Option("--force", help="Overwrite your existing file with the starter.")] = False,
    workspace: Workspace = None,
    drills_dir: DrillsDir = None,
) -> None:
    """Write the drill's starter file into your workspace and show the prompt."""
    from drilltutor.commands.start import start as start_drill

    session = _session(workspace, drills_dir)
    result = start_drill(session, drill, force)
    render.start_result(render.console(), result, session.catalogue.get(result.drill).alias)


@app.command()
def run(
    drill: DrillName,
    file: Annotated[Optional[Path], typer.Argument(help="The file to check (default: the drill's file in your workspace).")] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="Seconds the whole run may take.")] = 10.0,
    workspace: Workspace = None,
    drills_dir: DrillsDir = None,
    as_json: AsJson = False,
) -> None:
    """Run the hidden checks on your file. Exit 0: all passed; 1: a check failed or the file could not run."""
    from drilltutor.commands.run import run as run_drill
    from drilltutor.runner import RunOptions

    session = _session(workspace, drills_dir)
    outcome = run_drill(session, drill, file, RunOptions(timeout=timeout))
    if as_json:
        _emit_json({**outcome.report.to_dict(), "notices": outcome.notices})
    else:
        render.run_outcome(render.console(), outcome)
    raise typer.Exit(ExitCode.OK if outcome.report.passed else ExitCode.CHECK_FAILED)


@app.command()
def reveal(
    drill: Annotated[Optional[str], typer.Argument(help="The drill (default: the first one not passed yet).")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first.")] = False,
    workspace: Workspace = None,
    drills_dir: DrillsDir = None,
) -> None:
    """Show the reference solution. Asks first when you have not passed the drill yet."""
    from drilltutor.commands.reveal import choose, is_passed
    from drilltutor.commands.reveal import reveal as reveal_drill

    session = _session(workspace, drills_dir)
    chosen = choose(session, drill)
    if not yes and not is_passed(session, chosen):
        if not sys.stdin.isatty():
            raise DrilltutorError(
                f"You have not passed {chosen.id} yet, and reveal asks before it shows the solution.",
                hint=f"To see it anyway: drilltutor reveal {chosen.alias} --yes",
            )
        if not typer.confirm(f"You have not passed {chosen.id} yet. Show the reference solution anyway?", default=False):
            render.console().print("Not revealed. Try a hint first: drilltutor hint " + chosen.alias)
            return
    render.reveal_result(render.console(), reveal_drill(session, chosen))


@app.command()
def progress(workspace: Workspace = None, drills_dir: DrillsDir = None, as_json: AsJson = False) -> None:
    """Your checklist: the drills and the self-check items, with a bar."""
    from drilltutor.commands.checklist import checklist

    session = _session(workspace, drills_dir)
    result = checklist(session)
    if as_json:
        _emit_json({**asdict(result), "done": result.done, "total": result.total, "notices": session.store.notices})
        return
    out = render.console()
    render.checklist(out, result)
    render.notices(out, session.store.notices)


def _tick(item: str, ticked: bool, drills_dir: Path | None) -> None:
    from drilltutor.commands.checklist import tick

    result = tick(_session(None, drills_dir), item, ticked)
    word = "Ticked" if ticked else "Unticked"
    render.console().print(f"{word}: {result.text}")


@app.command("tick")
def tick_command(
    item: Annotated[str, typer.Argument(help="A self-check item id, or a drill for its 'without looking' item.")],
    drills_dir: DrillsDir = None,
) -> None:
    """Tick a self-check item: only when you can do it without looking."""
    _tick(item, True, drills_dir)


@app.command("untick")
def untick_command(item: Annotated[str, typer.Argument(help="A self-check item id, or a drill.")], drills_dir: DrillsDir = None) -> None:
    """Untick a self-check item."""
    _tick(item, False, drills_dir)


@dev_app.command("check")
def dev_check(
    drills: Annotated[Optional[list[str]], typer.Argument(help="Drills to check (default: all).")] = None,
    drills_dir: DrillsDir = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Runs at once.")] = 2,
    as_json: AsJson = False,
) -> None:
    """Prove every drill folder: reference and alternatives pass, starter and mistakes fail as they say."""
    from drilltutor import devcheck

    session = _session(None, drills_dir)
    chosen = [session.catalogue.find(d) for d in drills] if drills else list(session.catalogue.drills)
    found = devcheck.verify(session.catalogue, chosen, workers=jobs)
    if as_json:
        _emit_json({"findings": [asdict(f) for f in found], "ok": all(f.ok for f in found)})
    else:
        render.findings(render.console(), found)
    raise typer.Exit(ExitCode.OK if all(f.ok for f in found) else ExitCode.CHECK_FAILED)


@app.callback(invoke_without_command=True)
def home(ctx: typer.Context) -> None:
    """With no command: where you are, and what to type next."""
    if ctx.invoked_subcommand is not None:
        return
    from drilltutor.commands.listing import list_drills

    session = _session(None, None)
    rows = list_drills(session)
    out = render.console()
    done = sum(r.status == "passed" for r in rows)
    out.print(f"[bold]drilltutor[/] {render.bar(done, len(rows))}")
    upcoming = next((r for r in rows if r.status != "passed"), None)
    if upcoming is None:
        out.print("Every drill passed. Keep it fresh with: drilltutor cards")
    elif upcoming.file_exists:
        out.print(f"Next: {upcoming.id} · {upcoming.title}\n  drilltutor run {upcoming.alias}")
    else:
        out.print(f"Next: {upcoming.id} · {upcoming.title}\n  drilltutor start {upcoming.alias}")
    render.notices(out, session.store.notices)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # drilltutor's own bug: say so briefly; DRILLTUTOR_DEBUG=1 shows the traceback
        if os.environ.get("DRILLTUTOR_DEBUG"):
            raise
        render.error(
            render.console(stderr=True),
            f"drilltutor itself failed: {type(exc).__name__}: {exc}",
            "Set DRILLTUTOR_DEBUG=1 to see the traceback, and please report it.",
        )
        sys.exit(int(ExitCode.CHECK_FAILED))
