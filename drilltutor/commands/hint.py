"""`drilltutor hint [DRILL] [N]`: the hint ladder, one rung per call, recorded in progress."""

from __future__ import annotations

from dataclasses import dataclass

from drilltutor.catalogue import Drill
from drilltutor.commands.home import next_drill
from drilltutor.commands.session import Session
from drilltutor.errors import DrilltutorError
from drilltutor.progress import record_hint


@dataclass(frozen=True)
class Hints:
    drill: str
    alias: str
    shown: list[tuple[int, str]]  # (number, text), numbered from 1 as failing checks refer to them
    total: int
    opened: int  # the highest rung opened so far, after this call


def choose(session: Session, name: str | None) -> Drill:
    """The named drill, else the one the learner is on."""
    if name is not None:
        return session.catalogue.find(name)
    drill = next_drill(session, session.store.read())
    if drill is None:
        raise DrilltutorError("Every drill has passed, so there is no current drill.", hint="Name one: drilltutor hint 1")
    return drill


def hint(session: Session, drill: Drill, number: int | None = None, again: bool = False) -> Hints:
    """The next hint (or hint `number`); with `again`, every hint opened so far, opening none."""
    total = len(drill.hints)
    opened = min(session.progress_of(drill).hints_used, total)
    if again:
        return Hints(drill.id, drill.alias, _numbered(drill, 1, opened), total, opened)
    if number is not None and not 1 <= number <= total:
        raise DrilltutorError(f"{drill.id} has {total} hint{'s' * (total != 1)}; there is no hint {number}.", hint=_way_on(drill, opened, total))
    wanted = number or min(opened + 1, total)
    if wanted == 0:
        return Hints(drill.id, drill.alias, [], 0, 0)
    session.store.update(record_hint(drill.id, wanted))
    return Hints(drill.id, drill.alias, _numbered(drill, wanted, wanted), total, max(opened, wanted))


def _way_on(drill: Drill, opened: int, total: int) -> str:
    """What to type instead of a hint number that does not exist: the next rung, or re-reading when none is left."""
    if opened < total:
        return f"The next one: drilltutor hint {drill.alias}   (hint {opened + 1} of {total})"
    if total == 0:
        return f"Read the task again: drilltutor start {drill.alias}"
    return f"Every hint is open; re-read them: drilltutor hint {drill.alias} --all"


def _numbered(drill: Drill, first: int, last: int) -> list[tuple[int, str]]:
    return [(n, drill.hints[n - 1].text) for n in range(first, last + 1)]
