"""The command line: parse, call a command module, render its result. Nothing else lives here."""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from dataclasses import asdict, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperGroup

from drilltutor import render
from drilltutor.errors import DrilltutorError, ExitCode


class _Group(TyperGroup):
    """Where a DrilltutorError becomes a message and an exit code, for every command (CliRunner included)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        from drilltutor.fastcli import lighten

        # Plain values converted without pydantic: ~100 ms off every start. Here, not in __init__:
        # Typer adds the completion options after it has built the group.
        lighten(self)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        as_json = "--json" in [*getattr(ctx, "_protected_args", ()), *ctx.args]  # read before Click empties them
        try:
            return super().invoke(ctx)
        except DrilltutorError as exc:
            _fail(exc.message, exc.hint, exc.exit_code, as_json)
        except typer.TyperException as exc:  # Click's UsageError (Typer's own copy): a bad option, e.g. --timeout inf
            if not as_json or getattr(exc, "exit_code", None) != ExitCode.BAD_INPUT or not hasattr(exc, "format_message"):
                raise
            ctx = getattr(exc, "ctx", None)  # Click's UsageError has it; Typer's stubs do not say so
            help_line = f"Try '{ctx.command_path} --help' for help." if ctx is not None else ""
            _fail(exc.format_message(), help_line, ExitCode.BAD_INPUT, as_json)


def _fail(message: str, hint: str, code: int, as_json: bool) -> None:
    """A tool error: on stderr for a person, or with --json one JSON document on stdout, as a script reads it."""
    if as_json:
        _emit_json({"error": message, "hint": hint, "exit_code": int(code)})
    else:
        render.error(render.console(stderr=True), message, hint)
    raise typer.Exit(int(code))


app = typer.Typer(
    cls=_Group,
    help="Type-it-yourself drills for backend authentication, checked by hidden tests against your own code.",
    pretty_exceptions_enable=False,
)
dev_app = typer.Typer(help="Tools for drill authors.", add_completion=False)
app.add_typer(dev_app, name="dev")

Workspace = Annotated[Optional[Path], typer.Option("--dir", help="Folder with your drill files (default: the current folder).")]
DrillsDir = Annotated[
    Optional[Path], typer.Option("--drills-dir", help="Use another folder of drills (also: DRILLTUTOR_DRILLS).")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of text.")]
MAX_TIMEOUT = 3600  # an hour: no check run needs more, and a larger number overflows the clock (inf, 1e300)


def _seconds(value: float) -> float:
    if not 1 <= value <= MAX_TIMEOUT:  # nan too: it compares false with everything
        raise typer.BadParameter(f"{value:g} is not a number of seconds from 1 to {MAX_TIMEOUT}.")
    return value


Timeout = Annotated[float, typer.Option("--timeout", callback=_seconds, help=f"Seconds of CPU the whole run may use (1 to {MAX_TIMEOUT}); a run that sleeps ends at six times that.")]


def _complete_drill(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Tab completion of a drill's id, alias or number (the catalogue is read only when Tab is pressed)."""
    from drilltutor.catalogue import load_catalogue
    from drilltutor.paths import drills_dir

    try:
        return load_catalogue(drills_dir(ctx.params.get("drills_dir"))).completions(incomplete)
    except DrilltutorError:  # a broken drills folder: no completions, and the command itself will say why
        return []


def _complete_item(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Tab completion for tick and untick: the course's own items, then the drills."""
    from drilltutor.catalogue import load_catalogue
    from drilltutor.paths import drills_dir

    try:
        catalogue = load_catalogue(drills_dir(ctx.params.get("drills_dir")))
    except DrilltutorError:
        return []
    items = [(i.id, i.text) for i in catalogue.checklist if i.id.startswith(incomplete)]
    return items + catalogue.completions(incomplete)


DrillName = Annotated[str, typer.Argument(help="A drill id, alias or number, e.g. drill-3, expiry or 3.", autocompletion=_complete_drill)]


def _session(workspace: Path | None, drills_dir: Path | None) -> Any:
    from drilltutor.commands.session import open_session

    return open_session(workspace, drills_dir)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _emit_json(data: Any) -> None:
    """One JSON document that any reader accepts, even when a file name is not valid UTF-8.

    Such a name reaches Python with its bad bytes as lone surrogates (surrogateescape); written
    raw they make bytes no JSON reader takes, so each is written as its `\\udcXX` escape instead.
    """
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    typer.echo(_LONE_SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text))


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
    timeout: Timeout = 10.0,
    workspace: Workspace = None,
    drills_dir: DrillsDir = None,
    as_json: AsJson = False,
) -> None:
    """Run the hidden checks on your file. Exit 0: all passed; 1: a check failed or the file could not run."""
    from drilltutor import launcher
    from drilltutor.commands.run import run as run_drill
    from drilltutor.runner import RunOptions
    from drilltutor.runner import run_drill as runner

    session = _session(workspace, drills_dir)
    outcome = run_drill(session, drill, file, RunOptions(timeout=timeout), functools.partial(runner, ahead=launcher.started()))
    if as_json:
        _emit_json({**outcome.report.to_dict(), "notices": outcome.notices})
    else:
        render.run_outcome(render.console(), outcome)
    raise typer.Exit(ExitCode.OK if outcome.report.passed else ExitCode.CHECK_FAILED)


@app.command()
def reveal(
    drill: Annotated[Optional[str], typer.Argument(help="The drill (default: the first one not passed yet).", autocompletion=_complete_drill)] = None,
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
    def draw(out: Any) -> None:
        render.checklist(out, result)
        render.notices(out, session.store.notices)

    render.paged(render.console(), draw)


def _tick(name: str, ticked: bool, drills_dir: Path | None, force: bool = False) -> None:
    from drilltutor.commands import checklist as items

    session = _session(None, drills_dir)
    item = items.find(session, name)
    drill = items.unpassed_drill(session, item) if ticked and not force else None
    if drill is not None:
        question = f"You have not passed {drill.id} yet. Tick it anyway?"
        refusal = DrilltutorError(
            f"You have not passed {drill.id} yet, so its item stays unticked: a pass ticks the drill, and this item is for doing it again without looking.",
            hint=f"Run it first: drilltutor run {drill.alias}   (to tick it anyway: drilltutor tick {name} --force)",
        )
        if not _confirm(question, refusal):
            render.console().print("Not ticked.")
            return
    result = items.tick(session, item, ticked)
    word = "Ticked" if ticked else "Unticked"
    render.console().print(f"{word}: {result.text}")


@app.command("tick")
def tick_command(
    item: Annotated[str, typer.Argument(help="A self-check item id, or a drill for its 'without looking' item.", autocompletion=_complete_item)],
    force: Annotated[bool, typer.Option("--force", help="Tick a drill's item even though the drill has not passed.")] = False,
    drills_dir: DrillsDir = None,
) -> None:
    """Tick a self-check item: only when you can do it without looking. A drill's item asks first until the drill passes."""
    _tick(item, True, drills_dir, force)


@app.command("untick")
def untick_command(item: Annotated[str, typer.Argument(help="A self-check item id, or a drill.", autocompletion=_complete_item)], drills_dir: DrillsDir = None) -> None:
    """Untick a self-check item."""
    _tick(item, False, drills_dir)


def _is_terminal() -> bool:
    """Whether a person is there to answer: prompts and key presses need both ends to be a terminal."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _confirm(question: str, without_terminal: DrilltutorError) -> bool:
    if not _is_terminal():
        raise without_terminal
    return typer.confirm(question, default=False)


@app.command()
def hint(
    drill: Annotated[Optional[str], typer.Argument(help="The drill (default: the one you are on).", autocompletion=_complete_drill)] = None,
    number: Annotated[Optional[int], typer.Argument(help="A hint by number, as a failing check names it.")] = None,
    again: Annotated[bool, typer.Option("--all", help="Re-read every hint you have opened so far (opens no new one).")] = False,
    drills_dir: DrillsDir = None,
    as_json: AsJson = False,
) -> None:
    """The next hint for a drill: a nudge first, then the idea, then the shape of the code. Never the answer."""
    from drilltutor.commands.hint import choose
    from drilltutor.commands.hint import hint as open_hint

    session = _session(None, drills_dir)
    result = open_hint(session, choose(session, drill), number, again)
    if as_json:
        _emit_json(asdict(result))
        return
    render.hints(render.console(), result)


@app.command()
def watch(
    drill: Annotated[Optional[str], typer.Argument(help="The drill (default: the one you are on).", autocompletion=_complete_drill)] = None,
    manual: Annotated[
        bool,
        typer.Option(
            "--manual",
            help="Check again when you press Enter instead of on save, for folders that send no change events "
            "(network drives, some containers). WATCHFILES_FORCE_POLLING=1 is the other way out.",
        ),
    ] = False,
    move_on: Annotated[
        bool, typer.Option("--move-on", help="After a pass, move on to the next drill even if this one had passed before (watch stays on it otherwise).")
    ] = False,
    timeout: Timeout = 10.0,
    workspace: Workspace = None,
    drills_dir: DrillsDir = None,
) -> None:
    """Check your file each time you save it; after a pass, move on to the next drill. Ctrl-C stops.

    A drill that had passed before stays watched after a pass, so you can refactor it (--move-on moves on).

    Without a terminal it checks once (or once per line read, with --manual). Exit: 0 when the
    last run passed, 1 when it failed, 130 after Ctrl-C.
    """
    from drilltutor.commands import watch as watching
    from drilltutor.commands.home import next_drill
    from drilltutor.runner import RunOptions

    session = _session(workspace, drills_dir)
    chosen = session.catalogue.find(drill) if drill else next_drill(session, session.store.read())
    if manual:
        mode, triggers = "enter", watching.enter_presses(sys.stdin)
    elif sys.stdin.isatty():
        mode, triggers = "save", watching.saves(session.workspace)
    else:
        mode, triggers = "once", iter(())
    from drilltutor.runner import run_drill
    from drilltutor.warm import WarmRunner

    # Re-runs start from a warm process that has imported the libraries already (drilltutor.warm).
    runner = run_drill if mode == "once" else WarmRunner().start()
    out = render.console()
    try:
        show = lambda frame: render.watch_frame(out, frame, mode)  # noqa: E731
        last = watching.watch(session, chosen, triggers, show, options=RunOptions(timeout=timeout), runner=runner, move_on=move_on)
    except KeyboardInterrupt:
        out.print("\nStopped watching.")
        raise typer.Exit(130) from None
    finally:
        if isinstance(runner, WarmRunner):
            runner.close()
    raise typer.Exit(ExitCode.CHECK_FAILED if last.failed else ExitCode.OK)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _read_key() -> str:
    """One key press; Ctrl-C and Ctrl-D mean stop, like q."""
    try:
        return typer.getchar()
    except (KeyboardInterrupt, EOFError):
        return "q"


@app.command()
def cards(
    new_per_day: Annotated[
        Optional[int], typer.Option("--new-per-day", min=0, help="How many new cards a day may bring (kept for next time; default 10).")
    ] = None,
    drills_dir: DrillsDir = None,
    as_json: AsJson = False,
) -> None:
    """Flash cards: answer out loud, press space to flip, rate yourself. Due reviews first, then today's new cards.

    A drill's cards join once you start it. Without a terminal it says how many are due and new, and exits 0.
    """
    from drilltutor.commands import cards as flash

    session = _session(None, drills_dir)
    if new_per_day is not None:
        session.store.update(flash.set_new_per_day(new_per_day))
    now = _utc_now()
    deck = flash.deck(session, session.store.read(), now)
    if as_json:
        listed = [{"id": c.id, "source": c.source, "due": c.due, "reviews": c.reviews} for c in deck.queue + deck.later]
        counts = {"due": len(deck.due), "new": len(deck.new), "held_back": deck.held_back, "not_reached": deck.not_reached}
        _emit_json({**counts, "total": deck.total, "new_per_day": deck.new_per_day, "next_due": deck.next_due, "cards": listed})
        return
    out = render.console()
    if new_per_day is not None:
        out.print(f"New cards a day: {new_per_day} (kept for next time).")
    if not deck.queue or not _is_terminal():
        render.cards_due(out, deck, now, _is_terminal())
        return
    try:
        sitting = flash.study(session, deck.queue, _read_key, lambda screen: render.card_screen(out, screen), _utc_now)
    except KeyboardInterrupt:
        out.print("\nStopped. Your ratings so far are saved.")
        raise typer.Exit(130) from None
    now = _utc_now()
    render.cards_after(out, sitting, flash.deck(session, session.store.read(), now), now)


@app.command()
def reset(
    drill: Annotated[Optional[str], typer.Argument(help="The drill to start afresh.", autocompletion=_complete_drill)] = None,
    everything: Annotated[bool, typer.Option("--all", help="Clear all progress instead: drills, ticks and cards.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first.")] = False,
    workspace: Workspace = None,
    drills_dir: DrillsDir = None,
) -> None:
    """Put a drill's starter back (your file is kept as a .bak copy) and clear its status; --all clears all progress."""
    from drilltutor.commands import reset as resetting

    if (drill is None) == (not everything):
        raise DrilltutorError("Name one drill to reset, or use --all (not both).", hint="drilltutor reset hashing   or   drilltutor reset --all")
    session = _session(workspace, drills_dir)
    out = render.console()
    if everything:
        question = "Clear all progress: drills, self-check ticks and card reviews?\n(A copy is kept.) Go ahead?"
        refusal = DrilltutorError("reset --all asks before it clears anything, and there is no terminal to ask in.", hint="To clear anyway: drilltutor reset --all --yes")
        if yes or _confirm(question, refusal):
            render.all_reset(out, resetting.reset_all(session, datetime.now()))
        else:
            out.print("Nothing changed.")
        return
    chosen = session.catalogue.find(drill or "")
    # A passed drill asks too: the .bak keeps the file, but nothing brings back the pass it clears.
    status = "your pass of" if session.progress_of(chosen).passed_at else "the status of"
    # two short lines: a terminal wraps a long question in the middle of a word
    question = f"Put the starter back in {chosen.file} (yours is kept as a .bak copy)\nand clear {status} {chosen.id}?"
    refusal = DrilltutorError(
        f"reset asks before it replaces {chosen.file} and clears {status} {chosen.id}, and there is no terminal to ask in.",
        hint=f"To reset anyway: drilltutor reset {chosen.alias} --yes",
    )
    if yes or _confirm(question, refusal):
        render.drill_reset(out, resetting.reset_drill(session, chosen.id, datetime.now()))
    else:
        out.print("Nothing changed.")


@app.command()
def doctor(workspace: Workspace = None, drills_dir: DrillsDir = None, as_json: AsJson = False) -> None:
    """Check this environment: Python, the hashing and JWT libraries (it hashes and signs once), settings, progress, your files.

    Exit 1 when something is broken.
    """
    from drilltutor.commands.doctor import doctor as diagnose

    report = diagnose(workspace, drills_dir)
    if as_json:
        _emit_json({"findings": [asdict(f) for f in report.findings], "broken": report.broken})
    else:
        render.doctor(render.console(), report)
    raise typer.Exit(ExitCode.BROKEN if report.broken else ExitCode.OK)


@dev_app.command("check")
def dev_check(
    drills: Annotated[Optional[list[str]], typer.Argument(help="Drills to check (default: all).", autocompletion=_complete_drill)] = None,
    drills_dir: DrillsDir = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, help="Runs at once (default: one more than the cores, so one run's waits are another's work).")
    ] = (os.cpu_count() or 1) + 1,
    cold: Annotated[bool, typer.Option("--cold", help="Run each case in a new Python, not forked from a warm one (slower; to compare).")] = False,
    real_bcrypt: Annotated[
        bool, typer.Option("--real-bcrypt", help="Make bcrypt hashes at the cost each file asks for (usually 12), not at 4 (slower; to compare).")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Prove every drill folder: reference and alternatives pass, starter and mistakes fail as they say."""
    from drilltutor import devcheck

    session = _session(None, drills_dir)
    chosen = [session.catalogue.find(d) for d in drills] if drills else list(session.catalogue.drills)
    options = replace(devcheck.AUTHOR_OPTIONS, bcrypt_cost=None) if real_bcrypt else devcheck.AUTHOR_OPTIONS
    found = devcheck.verify(session.catalogue, chosen, options, workers=jobs, warm=not cold)
    if as_json:
        _emit_json({"findings": [asdict(f) for f in found], "ok": all(f.ok for f in found)})
    else:
        render.findings(render.console(), found)
    raise typer.Exit(ExitCode.OK if all(f.ok for f in found) else ExitCode.CHECK_FAILED)


@dev_app.command("new")
def dev_new(
    drill_id: Annotated[str, typer.Argument(metavar="ID", help="The new drill's id, e.g. drill-7; also its folder's name.")],
    alias: Annotated[Optional[str], typer.Option("--alias", help="Another name for it on the command line (default: the id).")] = None,
    drills_dir: DrillsDir = None,
) -> None:
    """Write a new drill folder that `drilltutor dev check` accepts as it is, to make into your drill."""
    from drilltutor.newdrill import new_drill

    session = _session(None, drills_dir)
    render.new_drill(render.console(), drill_id, new_drill(session.catalogue, drill_id, alias))


@dev_app.command("properties")
def dev_properties(
    drills_dir: DrillsDir = None,
    out: Annotated[Path, typer.Option("--out", help="Where to write the matrix.")] = Path("docs/properties.md"),
) -> None:
    """Write the matrix of security property x drill (docs/properties.md) from each drill's properties.toml."""
    from drilltutor import properties

    session = _session(None, drills_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(properties.render(session.catalogue), encoding="utf-8")
    render.console().print(f"Wrote {out}")


@dev_app.command("mutants")
def dev_mutants(
    drills: Annotated[Optional[list[str]], typer.Argument(help="Drills whose reference to mutate (default: all).", autocompletion=_complete_drill)] = None,
    drills_dir: DrillsDir = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Runs at once (default: one more than the cores).")] = (os.cpu_count() or 1) + 1,
    as_json: AsJson = False,
) -> None:
    """Mutate each reference one change at a time and run the checks on every mutant.

    Exit 1 when a mutant survives that the drill's mutants.toml does not explain, or whose
    excuse does not hold: "equivalent" answers differently on a replay beside the reference,
    "allowed" quotes no sentence of the contract (docs/contract.md); or an entry is stale.
    """
    from drilltutor import mutation

    session = _session(None, drills_dir)
    chosen = [session.catalogue.find(d) for d in drills] if drills else list(session.catalogue.drills)
    scores = mutation.run_mutants(session.catalogue, chosen, workers=jobs)
    ok = all(s.ok for s in scores)
    if as_json:
        security = [s.families["security"] for s in scores]
        totals = {k: sum(getattr(f, k) for f in security) for k in ("mutants", "killed", "survived", "explained")}
        _emit_json({"drills": [s.to_dict() for s in scores], "mutants": sum(s.mutants for s in scores), "killed": sum(s.killed for s in scores), "security": totals, "ok": ok})
    else:
        render.mutant_scores(render.console(), scores)
    raise typer.Exit(ExitCode.OK if ok else ExitCode.CHECK_FAILED)


GRADE_TIMEOUT = 60.0  # grading.GRADE_TIMEOUT, spelled out: importing it here would load the runner on every start


@app.command()
def grade(
    submission: Annotated[Path, typer.Argument(help="The folder that holds the learner's drill files.")],
    drill: Annotated[Optional[list[str]], typer.Option("--drill", "-d", help="Grade this drill (again for more); a missing file scores 0. Default: every drill whose file is in SUBMISSION.", autocompletion=_complete_drill)] = None,
    fmt: Annotated[str, typer.Option("--format", help="gradescope (results.json), junit (XML) or json.")] = "gradescope",
    out: Annotated[Optional[Path], typer.Option("--out", help="The grade file (default: results.json, grade.xml or grade.json here).")] = None,
    user: Annotated[str, typer.Option("--user", help="Run as root: the unprivileged user the learner's code runs as.")] = "nobody",
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 unless every graded drill scored full points (hosts that grade by exit status).")] = False,
    timeout: Timeout = GRADE_TIMEOUT,
    drills_dir: DrillsDir = None,
) -> None:
    """Grade a submission folder and write one grade file. Never reads or writes progress.

    Exit 0 when the grade file was written (with --strict: and every drill scored full points), 2 on bad input.
    """
    from drilltutor import gradefile, grading, paths
    from drilltutor.catalogue import load_catalogue

    if fmt not in gradefile.FORMATS:
        raise DrilltutorError(f"--format {fmt!r} is not one of {', '.join(gradefile.FORMATS)}.")
    target = gradefile.check_out(out or Path(gradefile.DEFAULT_NAMES[fmt]))
    catalogue = load_catalogue(paths.drills_dir(drills_dir))
    options = grading.GradeOptions(timeout=timeout, user=user, protect=(target.parent,))
    result = grading.grade(catalogue, submission.expanduser().absolute(), drill or (), options)
    gradefile.write(gradefile.RENDERERS[fmt](result), target)
    err = render.console(stderr=True)
    for notice in result.notices:
        err.print(notice, style="yellow", markup=False)
    typer.echo(gradefile.summary(result))
    typer.echo(f"Grade file: {target}")
    raise typer.Exit(ExitCode.CHECK_FAILED if strict and any(d.score < d.points for d in result.drills) else ExitCode.OK)


@app.command()
def scaffold(
    host: Annotated[str, typer.Argument(help="gradescope (an autograder folder) or classroom (a GitHub Classroom workflow).")],
    folder: Annotated[Path, typer.Argument(help="Where to write the files.")],
    drill: Annotated[Optional[list[str]], typer.Option("--drill", "-d", help="A drill of the assignment (again for more; default: all).", autocompletion=_complete_drill)] = None,
    install: Annotated[Optional[str], typer.Option("--install", help="What pip installs: a requirement, a git URL, or a wheel file to ship with the files.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files that exist.")] = False,
    timeout: Timeout = GRADE_TIMEOUT,
    drills_dir: DrillsDir = None,
) -> None:
    """Write the files an autograding host needs to run `drilltutor grade`."""
    from drilltutor import paths, scaffold as scaffolding
    from drilltutor.catalogue import load_catalogue

    catalogue = load_catalogue(paths.drills_dir(drills_dir))
    files = scaffolding.files_for(host, catalogue, drill or (), install or scaffolding.default_install(), timeout)
    for path in scaffolding.write(files, folder.expanduser(), force):
        typer.echo(f"wrote {path}")


def _print_version(wanted: bool) -> None:
    if wanted:
        from drilltutor import __version__

        typer.echo(f"drilltutor {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def home(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """With no command: how far along you are, and what to type next."""
    if ctx.invoked_subcommand is not None:
        return
    from drilltutor.commands.home import home as where_am_i

    session = _session(None, None)
    out = render.console()
    render.home(out, where_am_i(session))
    render.notices(out, session.store.notices)


def main() -> None:
    import gc

    from drilltutor.fastcli import narrowed

    # What the imports made lives as long as the process: set it aside, so neither the collections
    # during the command nor the one at exit walk it again (about 15 ms of every start).
    gc.freeze()
    render.trim_piped_streams()
    try:
        narrowed(app, sys.argv[1:])()  # only the command asked for is built
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # drilltutor's own bug: say so briefly; DRILLTUTOR_DEBUG=1 shows the traceback
        if os.environ.get("DRILLTUTOR_DEBUG"):
            raise
        try:
            _fail(
                f"drilltutor itself failed: {type(exc).__name__}: {exc}",
                "Set DRILLTUTOR_DEBUG=1 to see the traceback, and please report it.",
                ExitCode.CHECK_FAILED,
                "--json" in sys.argv[1:],
            )
        except typer.Exit as stop:
            sys.exit(stop.exit_code)
