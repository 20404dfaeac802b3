"""`drilltutor watch [DRILL]`: re-run the checks each time the learner saves; move on after a pass.

The loop is plain code over an iterable of triggers, so a test drives it exactly as a
terminal does: the CLI supplies the triggers (saves seen by watchfiles, or lines read
for Enter presses) and a function that draws each frame. Every run goes through
`commands.run.run`, the one door to the runner, so a faster runner behind it speeds
up watch as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from drilltutor.catalogue import Drill
from drilltutor.commands.home import next_drill
from drilltutor.commands.run import RunOutcome, run
from drilltutor.commands.session import Session
from drilltutor.commands.start import StartResult, start
from drilltutor.errors import DrilltutorError
from drilltutor.results import RunReport
from drilltutor.runner import RunOptions, run_drill

RERUN = None  # re-run the watched file whatever changed: Enter was pressed
Trigger = Optional[frozenset[str]]  # the names of the files that changed, or RERUN
SETTLE_MS = 50  # editors save in several writes within a few ms; one save should be one run, and soon (issue 5)
QUIT_WORDS = ("q", "quit", "exit")


@dataclass(frozen=True)
class Target:
    drill: str
    alias: str
    title: str
    file: str


@dataclass(frozen=True)
class Frame:
    watching: Target | None  # None once every drill has passed
    runs: int  # check runs so far in this watch
    at: datetime
    outcome: RunOutcome | None = None  # the run this frame shows, if there was one
    problem: str = ""  # why the file could not be run (it is gone, unreadable, ...)
    started: StartResult | None = None  # set when this frame moved on to a drill (starter written if missing)
    stays: bool = False  # the drill had passed before this watch: a pass keeps watching it (a refactor), not moving on

    @property
    def finished(self) -> bool:
        return self.watching is None

    @property
    def failed(self) -> bool:
        return bool(self.problem) or (self.outcome is not None and not self.outcome.report.passed)


class _Watch:
    def __init__(
        self, session: Session, options: RunOptions, clock: Callable[[], datetime], runner: Callable[..., RunReport] = run_drill, stay: bool = False
    ) -> None:
        self.session, self.options, self.clock, self.runner = session, options, clock, runner
        self.stay = stay
        self.drill: Drill | None = None
        self.runs = 0
        self.seen: bytes | None = None  # the file as last run or written: a save that changes nothing is no reason to run

    def begin(self, drill: Drill | None) -> Frame:
        if drill is None or not self.session.file_of(drill).is_file():
            return self._move_to(drill, None)
        self.drill = drill
        return self.rerun()

    def wants(self, trigger: Trigger) -> bool:
        if self.drill is None:
            return False
        if trigger is RERUN:
            return True
        file = self.session.file_of(self.drill)
        return file.name in trigger and self._contents(file) != self.seen

    @staticmethod
    def _contents(file: Path) -> bytes | None:
        try:
            return file.read_bytes()
        except OSError:
            return None

    def rerun(self) -> Frame:
        assert self.drill is not None
        self.runs += 1
        self.seen = self._contents(self.session.file_of(self.drill))
        try:
            outcome = run(self.session, self.drill.id, None, self.options, runner=self.runner)
        except DrilltutorError as exc:  # e.g. the file was deleted or renamed away between saves
            return self._frame(problem=f"{exc.message} {exc.hint}".strip())
        if not outcome.report.passed or self.stay:
            return self._frame(outcome=outcome)
        return self._move_to(next_drill(self.session, self.session.store.read()), outcome)

    def _move_to(self, drill: Drill | None, outcome: RunOutcome | None) -> Frame:
        self.drill, self.stay = drill, False
        started = None if drill is None else start(self.session, drill.id)
        self.seen = None if drill is None else self._contents(self.session.file_of(drill))
        return self._frame(outcome=outcome, started=started)

    def _frame(self, outcome: RunOutcome | None = None, problem: str = "", started: StartResult | None = None) -> Frame:
        target = None if self.drill is None else Target(self.drill.id, self.drill.alias, self.drill.title, self.drill.file)
        return Frame(target, self.runs, self.clock(), outcome, problem, started, self.stay)


def watch(
    session: Session,
    drill: Drill | None,
    triggers: Iterable[Trigger],
    show: Callable[[Frame], None],
    clock: Callable[[], datetime] = lambda: datetime.now().astimezone(),
    options: RunOptions = RunOptions(),
    runner: Callable[..., RunReport] = run_drill,
    move_on: bool = False,
) -> Frame:
    """Run `drill` now (or start it, if its file is missing), then once per trigger that touches its file.

    After a pass it moves on to the next drill, unless `drill` had passed before this watch
    began: then the learner is refactoring a passed file, and watch stays on it (`move_on` overrides).
    Returns the last frame shown. Ends when the triggers run out or every drill has passed.
    """
    stay = drill is not None and not move_on and bool(session.progress_of(drill).passed_at)
    state = _Watch(session, options, clock, runner, stay)
    frame = state.begin(drill)
    show(frame)
    if frame.finished:
        return frame
    for trigger in triggers:
        if not state.wants(trigger):
            continue
        frame = state.rerun()
        show(frame)
        if frame.finished:
            break
    return frame


def saves(folder: Path) -> Iterator[Trigger]:
    """The Python files saved in `folder`, one trigger per settled save. Ctrl-C raises KeyboardInterrupt."""
    from watchfiles import PythonFilter
    from watchfiles import watch as watch_files

    for changes in watch_files(folder, watch_filter=PythonFilter(), step=SETTLE_MS, recursive=False):
        yield frozenset(Path(path).name for _change, path in changes)


def enter_presses(lines: Iterable[str]) -> Iterator[Trigger]:
    """One re-run per line read; `q` (or the end of input) stops."""
    for line in lines:
        if line.strip().lower() in QUIT_WORDS:
            return
        yield RERUN
