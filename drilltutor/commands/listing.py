"""`drilltutor list`: every drill, its status, and whether its file exists."""

from __future__ import annotations

from dataclasses import dataclass

from drilltutor.commands.session import Session


@dataclass(frozen=True)
class DrillRow:
    id: str
    alias: str
    number: int | None
    title: str
    file: str
    status: str
    file_exists: bool
    open: bool
    opens_after: tuple[str, ...]
    revealed_before_pass: bool


def list_drills(session: Session) -> list[DrillRow]:
    data = session.store.read()
    rows = []
    for drill in session.catalogue.drills:
        progress = session.progress_of(drill, data)
        rows.append(
            DrillRow(
                id=drill.id,
                alias=drill.alias,
                number=drill.number,
                title=drill.title,
                file=drill.file,
                status=progress.status,
                file_exists=session.file_of(drill).is_file(),
                open=session.is_open(drill, data),
                opens_after=drill.opens_after,
                revealed_before_pass=progress.revealed_before_pass,
            )
        )
    return rows
