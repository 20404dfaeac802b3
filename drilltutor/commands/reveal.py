"""`drilltutor reveal DRILL`: the reference solution, beside the learner's own file once passed."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from drilltutor.catalogue import Drill
from drilltutor.commands.session import Session
from drilltutor.progress import record_reveal


@dataclass(frozen=True)
class Reveal:
    drill: str
    solution: str
    diff: str  # the learner's file against the reference, when there is a file to compare
    passed: bool


def choose(session: Session, name: str | None) -> Drill:
    """The named drill, else the first one not yet passed."""
    if name is not None:
        return session.catalogue.find(name)
    data = session.store.read()
    pending = [d for d in session.catalogue.drills if not session.progress_of(d, data).passed_at]
    return (pending or list(session.catalogue.drills))[0]


def is_passed(session: Session, drill: Drill) -> bool:
    return bool(session.progress_of(drill).passed_at)


def reveal(session: Session, drill: Drill) -> Reveal:
    solution = drill.solution_path.read_text(encoding="utf-8")
    mine = session.file_of(drill)
    diff = ""
    if mine.is_file():
        diff = "".join(
            difflib.unified_diff(
                mine.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True),
                solution.splitlines(keepends=True),
                fromfile=f"yours: {drill.file}",
                tofile="reference",
            )
        )
    passed = is_passed(session, drill)
    session.store.update(record_reveal(drill.id))
    return Reveal(drill.id, solution, diff, passed)
