"""`drilltutor reset DRILL` and `reset --all`: start a drill, or everything, afresh; nothing is lost.

A drill's reset keeps the learner's file as a timestamped backup beside it; `--all`
keeps a copy of the progress file. Both only ever add files.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from drilltutor.commands.session import Session
from drilltutor.commands.start import starter_source
from drilltutor.errors import DrilltutorError
from drilltutor.progress import clear_all, clear_drill


@dataclass(frozen=True)
class DrillReset:
    drill: str
    alias: str
    file: Path
    backup: Path | None  # None when there was no file, or it was still the untouched starter
    had_file: bool  # False: there was no file; with no backup, the file was the starter already
    source: str  # where the fresh file came from
    reveal: str  # "": never revealed; "counts": revealed before a pass, so the next pass says so; "after pass": it does not count
    unticked: bool  # its own "without looking" item was ticked, and is no longer


@dataclass(frozen=True)
class AllReset:
    progress_file: Path
    backup: Path | None  # None when there was no progress yet


def _free_name(folder: Path, stem: str, stamp: datetime, suffix: str = "") -> Path:
    """`stem` plus the time, never the name of a file that already exists."""
    base = f"{stem}{stamp:%Y%m%d-%H%M%S}"
    candidate, n = folder / f"{base}{suffix}", 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{base}-{n}{suffix}"
    return candidate


def _unchanged(path: Path, text: str) -> bool:
    try:
        return path.read_text(encoding="utf-8", errors="replace") == text
    except OSError:
        return False


def _copy(source: Path, target: Path) -> None:
    try:
        shutil.copy2(source, target)
    except OSError as exc:
        raise DrilltutorError(f"Could not copy {source} to {target}: {exc.strerror or exc}. Nothing was reset.") from None


def reset_drill(session: Session, name: str, now: datetime) -> DrillReset:
    drill = session.catalogue.find(name)
    target = session.file_of(drill)
    source, label = starter_source(session, drill)
    fresh = source.read_text(encoding="utf-8")
    backup = None
    had_file = target.exists()
    if had_file and not _unchanged(target, fresh):
        backup = _free_name(target.parent, f"{target.name}.bak-", now)
        _copy(target, backup)
    try:
        session.workspace.mkdir(parents=True, exist_ok=True)
        target.write_text(fresh, encoding="utf-8")
    except OSError as exc:
        raise DrilltutorError(f"Could not write {target}: {exc.strerror or exc}.") from None
    was_ticked = False

    def clear(data: dict[str, Any]) -> None:
        nonlocal was_ticked
        was_ticked = drill.id in data["checklist"]
        clear_drill(drill.id)(data)

    entry = session.store.update(clear)["drills"].get(drill.id, {})
    reveal = "" if not entry.get("revealed_at") else "after pass" if entry.get("revealed_after_pass") else "counts"
    return DrillReset(drill.id, drill.alias, target, backup, had_file, label, reveal, was_ticked)


def reset_all(session: Session, now: datetime) -> AllReset:
    path = session.store.path
    backup = None
    if path.is_file():
        backup = _free_name(path.parent, f"{path.stem}.before-reset-", now, path.suffix)
        _copy(path, backup)
    session.store.update(clear_all())
    return AllReset(path, backup)
