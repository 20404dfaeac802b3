"""`drilltutor start DRILL`: write the starter into the workspace and show the prompt."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from drilltutor.catalogue import Drill
from drilltutor.commands.session import Session
from drilltutor.errors import DrilltutorError
from drilltutor.progress import record_start


@dataclass(frozen=True)
class StartResult:
    drill: str
    path: Path
    written: bool  # False when the file was already there and kept
    source: str  # where the starter came from
    prompt: str


def starter_source(session: Session, drill: Drill) -> tuple[Path, str]:
    """An exercise starts from the learner's own passing file of the drill it builds on, if any."""
    if drill.starter_from:
        base = session.catalogue.find(drill.starter_from)
        own = session.file_of(base)
        if own.is_file() and session.progress_of(base).passed_at:
            return own, f"your passing {base.file}"
    return drill.starter, "the starter"


def start(session: Session, name: str, force: bool = False) -> StartResult:
    drill = session.catalogue.find(name)
    target = session.file_of(drill)
    prompt = drill.prompt_path.read_text(encoding="utf-8")
    source, label = starter_source(session, drill)
    if not session.progress_of(drill).started_at:
        session.store.update(record_start(drill.id))  # its cards join the deck (see commands/cards.py)
    if target.exists() and not force:
        return StartResult(drill.id, target, False, label, prompt)
    try:
        session.workspace.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    except OSError as exc:
        raise DrilltutorError(f"Could not write {target}: {exc.strerror or exc}.") from None
    return StartResult(drill.id, target, True, label, prompt)
