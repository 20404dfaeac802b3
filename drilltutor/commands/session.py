"""What every command works with: the catalogue, the learner's workspace, the progress store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drilltutor import paths
from drilltutor.catalogue import Catalogue, Drill, load_catalogue
from drilltutor.progress import DrillEntry, ProgressStore, drill_progress


@dataclass
class Session:
    catalogue: Catalogue
    workspace: Path
    store: ProgressStore

    def file_of(self, drill: Drill) -> Path:
        return self.workspace / drill.file

    def progress_of(self, drill: Drill, data: dict[str, Any] | None = None) -> DrillEntry:
        return drill_progress(self.store.read() if data is None else data, drill.id)

    def is_open(self, drill: Drill, data: dict[str, Any]) -> bool:
        """Open once every drill it follows has passed; the learner may still start it earlier."""
        return all(drill_progress(data, self.catalogue.find(name).id).passed_at for name in drill.opens_after)


def open_session(workspace: Path | None = None, drills_dir: Path | None = None) -> Session:
    return Session(
        catalogue=load_catalogue(paths.drills_dir(drills_dir)),
        workspace=paths.workspace_dir(workspace),
        store=ProgressStore(paths.progress_file()),
    )
