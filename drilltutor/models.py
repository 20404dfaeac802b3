"""The shape of the data files every command reads: drill.toml and progress.json. The other
files of a drill folder have theirs in drilltutor/foldermodels.py, built only when one is read:
`list` and `progress` read none of them, and two dozen dataclasses take a tenth of their start-up.

One model per file kind, each a frozen dataclass that pydantic validates (strictly, in JSON
mode: "3" is not a number, 1 is not True, a TOML array is a tuple). This module does not
import pydantic: `list`, `progress`, `hint` and `cards` start without it (a third of their
start-up). drilltutor/datafile.py builds a model straight from a file, and asks pydantic
only to explain a file that does not fit, or when `dev check` proves a folder.

The value rules that are not types (non-empty, unique, positive) are in `__post_init__`, so
both ways of building a model keep them.

Drill files are closed: a key the model does not know (a typo, most often) is an error. A
TOML key that is a Python keyword (`with`) is the field of that name with `_` appended.
progress.json is open: a file written by a newer drilltutor of the same schema version
still reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Optional

# Drill data files ------------------------------------------------------------------------

CLOSED: dict[str, Any] = {"extra": "forbid"}  # pydantic's config for a stdlib dataclass


class RuleBroken(ValueError):
    """A value of the right type that breaks a rule of its model; `where` is its place in the model
    (a field, or an entry's field), so that the message can name it and find its line."""

    def __init__(self, where: tuple[str | int, ...], problem: str) -> None:
        super().__init__(problem)
        self.where = where


def filled(**values: str) -> None:
    for name, value in values.items():
        if not value.strip():
            raise RuleBroken((name,), "is empty")


def unique(entries: tuple[Any, ...], key: str, table: str) -> None:
    seen: set[str] = set()
    for number, entry in enumerate(entries):
        value = getattr(entry, key)
        if value in seen:
            raise RuleBroken((table, number, key), f"{value!r} is used by an earlier [[{table}]] too; each must be unique")
        seen.add(value)


def positive(**values: float | None) -> None:
    for name, value in values.items():
        if value is not None and not value > 0:
            raise RuleBroken((name,), "must be more than 0")


@dataclass(frozen=True)
class DrillMeta:
    """drill.toml (docs/writing-drills.md says what each key is for)."""

    __pydantic_config__: ClassVar[dict[str, Any]] = CLOSED
    format: Literal[1]
    id: str
    alias: str
    order: int
    title: str
    file: str
    mode: Literal["script", "module", "pytest"]
    number: Optional[int] = None
    seed: str = ""
    self_check: str = ""
    extends: Optional[str] = None
    opens_after: tuple[str, ...] = ()
    starter_from: Optional[str] = None
    timeout: Optional[float] = None  # seconds the run needs at least, when the default is too short
    points: Optional[float] = None  # the drill's points in a grade; None: an equal share per check
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        filled(id=self.id, alias=self.alias, file=self.file)
        positive(timeout=self.timeout, points=self.points)


# progress.json -----------------------------------------------------------------------------

OPEN: dict[str, Any] = {"extra": "allow"}


def counts(**values: int) -> None:
    for name, value in values.items():
        if value < 0:
            raise RuleBroken((name,), "must be 0 or more")


NEW, ATTEMPTED, PASSED, REVEALED = "new", "attempted", "passed", "revealed"


@dataclass(frozen=True)
class DrillEntry:
    """One drill's record in progress.json, under the keys progress.py writes, and what it means."""

    __pydantic_config__: ClassVar[dict[str, Any]] = OPEN
    attempts: int = 0
    hints_used: int = 0  # the highest rung of the hint ladder opened
    first_attempt: Optional[str] = None
    last_attempt: Optional[str] = None
    passed_at: Optional[str] = None
    revealed_at: Optional[str] = None
    passed_after_reveal: Optional[bool] = None  # decided at the pass; None in files written before it was kept
    revealed_after_pass: Optional[bool] = None  # kept by a reset: the reveal came after a pass, so it does not count
    started_at: Optional[str] = None  # the first `start` (or watch moving on to it)

    def __post_init__(self) -> None:
        counts(attempts=self.attempts, hints_used=self.hints_used)

    @property
    def status(self) -> str:
        if self.passed_at:
            return PASSED
        if self.revealed_at and not self.revealed_after_pass:
            return REVEALED
        return ATTEMPTED if self.attempts else NEW

    @property
    def revealed_before_pass(self) -> bool:
        if not self.passed_at:
            return False
        if self.passed_after_reveal is not None:
            return self.passed_after_reveal
        # Older files: the stamps have whole seconds, so a reveal in the same second as the pass counts as before it.
        return bool(self.revealed_at and self.revealed_at <= self.passed_at)


@dataclass(frozen=True)
class CardState:
    __pydantic_config__: ClassVar[dict[str, Any]] = OPEN
    fsrs: dict[str, Any] = field(default_factory=dict)  # fsrs's own record; cards.py reads what it needs and tolerates the rest
    reviews: int = 0
    last_rating: Optional[str] = None
    introduced_at: Optional[str] = None  # the first review: counts against the day's limit of new cards

    def __post_init__(self) -> None:
        counts(reviews=self.reviews)


@dataclass(frozen=True)
class Settings:
    __pydantic_config__: ClassVar[dict[str, Any]] = OPEN
    new_cards_per_day: int = 10

    def __post_init__(self) -> None:
        counts(new_cards_per_day=self.new_cards_per_day)


@dataclass(frozen=True)
class ProgressFile:
    __pydantic_config__: ClassVar[dict[str, Any]] = OPEN
    schema: int
    drills: dict[str, DrillEntry]
    checklist: dict[str, str]  # item id -> when it was ticked
    cards: dict[str, CardState]
    settings: Settings = field(default_factory=Settings)


def broken_where(error: Any) -> tuple[str | int, ...]:
    """Where below the error's own place a `RuleBroken` (in one of pydantic's errors) points."""
    cause = error.get("ctx", {}).get("error")
    return cause.where if isinstance(cause, RuleBroken) else ()


def progress_problems(data: Any) -> str:
    """'' when `data` fits ProgressFile; else its first problem in one line, and how many more there are."""
    from pydantic import TypeAdapter, ValidationError

    try:
        TypeAdapter(ProgressFile).validate_json(json.dumps(data), strict=True)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        where = ".".join(str(part) for part in (*first["loc"], *broken_where(first))) or "the file"
        value = f" (it holds {json.dumps(first['input'], default=str)})" if "input" in first and not isinstance(first["input"], (dict, list)) else ""
        more = f"; {len(errors) - 1} more field{'s' * (len(errors) != 2)} wrong too" if len(errors) > 1 else ""
        return f"`{where}`: {first['msg'].removeprefix('Value error, ')}{value}{more}"
    return ""
