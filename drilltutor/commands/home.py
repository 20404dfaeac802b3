"""`drilltutor` with no command: how far along the learner is, and the one command to type next."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from drilltutor.catalogue import Drill
from drilltutor.commands.cards import card_counts, deck
from drilltutor.commands.checklist import items
from drilltutor.commands.session import Session
from drilltutor.progress import PASSED


@dataclass(frozen=True)
class Step:
    command: str
    why: str


@dataclass(frozen=True)
class Home:
    passed: int
    drills: int
    ticked: int
    items: int
    cards_due: int  # reviews due now
    cards_new: int  # new cards offered today
    drill: str | None  # the drill to work on next, None once every drill has passed
    title: str
    status: str
    next: Step
    also: list[Step] = field(default_factory=list)


def next_drill(session: Session, data: dict[str, Any]) -> Drill | None:
    """The first drill not passed yet, preferring ones whose prerequisites have passed."""
    pending = [d for d in session.catalogue.drills if not session.progress_of(d, data).passed_at]
    opened = [d for d in pending if session.is_open(d, data)]
    return next(iter(opened or pending), None)


def home(session: Session, now: datetime | None = None) -> Home:
    data = session.store.read()
    checklist = items(session, data["checklist"])
    cards = deck(session, data, now or datetime.now(timezone.utc))
    due, new = len(cards.due), len(cards.new)
    drill = next_drill(session, data)
    if drill is None:
        first, also = _when_all_passed(len(checklist) - sum(i.ticked for i in checklist), due, new), []
    else:
        first, also = _first_step(session, drill), _more_steps(session, drill, data, due, new)
    return Home(
        passed=sum(bool(session.progress_of(d, data).passed_at) for d in session.catalogue.drills),
        drills=len(session.catalogue.drills),
        ticked=sum(i.ticked for i in checklist),
        items=len(checklist),
        cards_due=due,
        cards_new=new,
        drill=drill.id if drill else None,
        title=drill.title if drill else "",
        status=session.progress_of(drill, data).status if drill else PASSED,
        next=first,
        also=also,
    )


def _cards_step(due: int, new: int) -> Step:
    return Step("drilltutor cards", f"{card_counts(due, new)}: answer out loud, then flip")


def _when_all_passed(unticked: int, due: int, new: int) -> Step:
    if due or new:
        return _cards_step(due, new)
    if unticked:
        return Step("drilltutor progress", f"{unticked} self-check item{'s' * (unticked != 1)} left: tick each once you can do it without looking")
    return Step("drilltutor cards", "everything done: come back when cards are due")


def _first_step(session: Session, drill: Drill) -> Step:
    if not session.file_of(drill).is_file():
        return Step(f"drilltutor start {drill.alias}", f"writes {drill.file} and shows what to build")
    return Step(f"drilltutor run {drill.alias}", f"checks your {drill.file}")


def _more_steps(session: Session, drill: Drill, data: dict[str, Any], due: int, new: int) -> list[Step]:
    steps = [Step(f"drilltutor watch {drill.alias}", "re-runs the checks each time you save")]
    progress = session.progress_of(drill, data)
    if progress.attempts and progress.hints_used < len(drill.hints):
        steps.append(Step(f"drilltutor hint {drill.alias}", f"stuck? hint {progress.hints_used + 1} of {len(drill.hints)}"))
    if due or new:
        steps.append(_cards_step(due, new))
    return steps
