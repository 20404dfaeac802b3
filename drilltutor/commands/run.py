"""`drilltutor run DRILL [FILE]`: the hidden checks on the learner's file, recorded in progress."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from drilltutor.commands.session import Session
from drilltutor.errors import DrilltutorError
from drilltutor.progress import ProgressError, record_run
from drilltutor.results import RunReport
from drilltutor.runner import RunOptions, run_drill


@dataclass
class RunOutcome:
    report: RunReport
    alias: str
    notices: list[str] = field(default_factory=list)  # e.g. progress could not be saved


def _not_a_loop(path: Path) -> Path:
    try:
        path.resolve(strict=True)
    except OSError as exc:  # a missing file is said by the runner's own checks, with their hint
        looped = exc.errno == errno.ELOOP
    except RuntimeError:  # how Python before 3.13 says a symlink loop
        looped = True
    else:
        looped = False
    if looped:
        raise DrilltutorError(
            f"{path} is a symbolic link that leads back to itself, so there is no file to read.",
            hint=f"Point it at your drill file (ln -sf REAL_FILE {path.name}), or name the real file.",
        ) from None
    return path


def _named_file(session: Session, alias: str, file: Path) -> Path:
    """A FILE on the command line means what the shell means: relative to the current folder, whatever --dir says."""
    path = file.absolute()
    in_workspace = session.workspace / file
    # os.path's tests, not Path's: they say False where a folder cannot be entered, and the runner explains that
    if not file.is_absolute() and not os.path.lexists(path) and os.path.isfile(in_workspace):
        raise DrilltutorError(
            f"There is no file at {path}: a FILE is looked up from the current folder, not from --dir.",
            hint=f"To run the one in the workspace: drilltutor run {alias} {in_workspace}",
        )
    return path


def resolve_file(session: Session, alias: str, file: Path | None, default: Path) -> Path:
    if file is not None:
        return _not_a_loop(_named_file(session, alias, file))
    if not default.exists() and not default.is_symlink():
        raise DrilltutorError(
            f"There is no {default.name} in {session.workspace}; that is where `run` looked.",
            hint=f"Create it with: drilltutor start {alias}" + (f" --dir {session.workspace}" if session.workspace != Path.cwd() else ""),
        )
    return _not_a_loop(default)


def run(
    session: Session, name: str, file: Path | None = None, options: RunOptions = RunOptions(), runner: Callable[..., RunReport] = run_drill
) -> RunOutcome:
    """`runner` is `run_drill` or anything called like it, such as a `drilltutor.warm.WarmRunner` (watch)."""
    drill = session.catalogue.find(name)
    path = resolve_file(session, drill.alias, file, session.file_of(drill))
    report = runner(session.catalogue, drill, path, options)
    outcome = RunOutcome(report, drill.alias)
    outcome.notices.extend(report.notices)
    try:
        session.store.update(record_run(drill.id, report.passed))
    except ProgressError as exc:  # the verdict still stands; only the record is lost
        outcome.notices.append(exc.message)
    outcome.notices.extend(session.store.notices)
    return outcome
