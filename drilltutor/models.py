"""The shape of every data file drilltutor reads: a drill folder's TOML files and progress.json.

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

_CLOSED: dict[str, Any] = {"extra": "forbid"}  # pydantic's config for a stdlib dataclass


class RuleBroken(ValueError):
    """A value of the right type that breaks a rule of its model; `where` is its place in the model
    (a field, or an entry's field), so that the message can name it and find its line."""

    def __init__(self, where: tuple[str | int, ...], problem: str) -> None:
        super().__init__(problem)
        self.where = where


def _filled(**values: str) -> None:
    for name, value in values.items():
        if not value.strip():
            raise RuleBroken((name,), "is empty")


def _unique(entries: tuple[Any, ...], key: str, table: str) -> None:
    seen: set[str] = set()
    for number, entry in enumerate(entries):
        value = getattr(entry, key)
        if value in seen:
            raise RuleBroken((table, number, key), f"{value!r} is used by an earlier [[{table}]] too; each must be unique")
        seen.add(value)


def _positive(**values: float | None) -> None:
    for name, value in values.items():
        if value is not None and not value > 0:
            raise RuleBroken((name,), "must be more than 0")


def _variant(name: str, changes: tuple[Change, ...]) -> None:
    _filled(name=name)
    if not changes:
        raise RuleBroken(("change",), "needs at least one [[change]]")


@dataclass(frozen=True)
class DrillMeta:
    """drill.toml (docs/writing-drills.md says what each key is for)."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _CLOSED
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
        _filled(id=self.id, alias=self.alias, file=self.file)
        _positive(timeout=self.timeout, points=self.points)


@dataclass(frozen=True)
class Hint:
    __pydantic_config__: ClassVar[dict[str, Any]] = _CLOSED
    text: str
    checks: tuple[str, ...] = ()  # a failing check with one of these ids points at this hint

    def __post_init__(self) -> None:
        _filled(text=self.text)


@dataclass(frozen=True)
class HintsFile:
    __pydantic_config__: ClassVar[dict[str, Any]] = _CLOSED
    hint: tuple[Hint, ...] = ()


@dataclass(frozen=True)
class Card:
    __pydantic_config__: ClassVar[dict[str, Any]] = _CLOSED
    id: str  # unique across the whole catalogue: review state is kept under it
    front: str
    back: str

    def __post_init__(self) -> None:
        _filled(id=self.id, front=self.front, back=self.back)


@dataclass(frozen=True)
class CardsFile:
    """A drill's cards.toml, and the course's own drills/cards.toml."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _CLOSED
    card: tuple[Card, ...] = ()

    def __post_init__(self) -> None:
        _unique(self.card, "id", "card")


@dataclass(frozen=True)
class ChecklistItem:
    __pydantic_config__: ClassVar[dict[str, Any]] = _CLOSED
    id: str
    text: str

    def __post_init__(self) -> None:
        _filled(id=self.id, text=self.text)


@dataclass(frozen=True)
class ChecklistFile:
    __pydantic_config__: ClassVar[dict[str, Any]] = _CLOSED
    item: tuple[ChecklistItem, ...] = ()

    def __post_init__(self) -> None:
        _unique(self.item, "id", "item")


@dataclass(frozen=True)
class Change:
    __pydantic_config__: ClassVar[dict[str, Any]] = _CLOSED
    replace: str  # must stand exactly once in the base file
    with_: str  # TOML `with`

    def __post_init__(self) -> None:
        if not self.replace:
            raise RuleBroken(("replace",), "is empty")


@dataclass(frozen=True)
class Mistake:
    """A file stated as its changes to another (drilltutor/variants.py): a realistic mistake."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _CLOSED
    name: str
    change: tuple[Change, ...]
    why: str = ""
    base: Optional[str] = None  # relative to the TOML file's folder; default: the drill's solution.py
    expect: tuple[str, ...] = ()  # check ids, or "problem:crash" and the like

    def __post_init__(self) -> None:
        _variant(self.name, self.change)


@dataclass(frozen=True)
class Alternative:
    """Another correct style, stated as its changes to another file."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _CLOSED
    name: str
    change: tuple[Change, ...]
    why: str = ""
    base: Optional[str] = None

    def __post_init__(self) -> None:
        _variant(self.name, self.change)


@dataclass(frozen=True)
class Copy:
    """tests-verify's broken copies of the reference Tasks API."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _CLOSED
    name: str
    why: str
    fix: str  # the test that would catch it
    change: tuple[Change, ...]
    base: Optional[str] = None

    def __post_init__(self) -> None:
        _variant(self.name, self.change)
        _filled(why=self.why, fix=self.fix)


@dataclass(frozen=True)
class MistakesFile:
    __pydantic_config__: ClassVar[dict[str, Any]] = _CLOSED
    mistake: tuple[Mistake, ...] = ()

    def __post_init__(self) -> None:
        _unique(self.mistake, "name", "mistake")


@dataclass(frozen=True)
class AlternativesFile:
    __pydantic_config__: ClassVar[dict[str, Any]] = _CLOSED
    alternative: tuple[Alternative, ...] = ()

    def __post_init__(self) -> None:
        _unique(self.alternative, "name", "alternative")


@dataclass(frozen=True)
class SolutionFile:
    """solution.toml: a drill's reference stated as its changes to another drill's (one entry)."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _CLOSED
    solution: tuple[Alternative, ...] = ()

    def __post_init__(self) -> None:
        _unique(self.solution, "name", "solution")


@dataclass(frozen=True)
class CopiesFile:
    __pydantic_config__: ClassVar[dict[str, Any]] = _CLOSED
    copy: tuple[Copy, ...] = ()

    def __post_init__(self) -> None:
        _unique(self.copy, "name", "copy")


@dataclass(frozen=True)
class Survivor:
    """A mutant the checks rightly let pass (`drilltutor dev mutants`)."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _CLOSED
    id: str
    why: str
    # "equivalent": proven by dev mutants' replay; "allowed": `contract` quotes the sentence that allows it.
    excuse: Literal["equivalent", "allowed"]
    contract: Optional[str] = None

    def __post_init__(self) -> None:
        _filled(id=self.id, why=self.why)
        if self.excuse == "allowed" and not (self.contract or "").strip():
            raise RuleBroken(("contract",), 'is needed when excuse = "allowed": the sentence of the contract that allows the change')


@dataclass(frozen=True)
class MutantsFile:
    __pydantic_config__: ClassVar[dict[str, Any]] = _CLOSED
    survivor: tuple[Survivor, ...] = ()

    def __post_init__(self) -> None:
        _unique(self.survivor, "id", "survivor")


@dataclass(frozen=True)
class Property:
    """A property the drill's checks prove, in the contract's words, and where it comes from."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _CLOSED
    id: str
    says: str
    source: str  # e.g. "OWASP Password Storage Cheat Sheet; ASVS V2.4.1"
    checks: tuple[str, ...]

    def __post_init__(self) -> None:
        _filled(id=self.id, says=self.says, source=self.source)
        if not self.checks:
            raise RuleBroken(("checks",), "names no check")


@dataclass(frozen=True)
class PropertiesFile:
    __pydantic_config__: ClassVar[dict[str, Any]] = _CLOSED
    property: tuple[Property, ...] = ()

    def __post_init__(self) -> None:
        _unique(self.property, "id", "property")


# Every data file a drill folder may hold (all optional but drill.toml and hints.toml), and the
# course's own beside the drills: `dev check` checks each against its model.
DRILL_FILES: dict[str, type] = {
    "drill.toml": DrillMeta,
    "hints.toml": HintsFile,
    "cards.toml": CardsFile,
    "mistakes.toml": MistakesFile,
    "alternatives.toml": AlternativesFile,
    "copies.toml": CopiesFile,
    "solution.toml": SolutionFile,
    "mutants.toml": MutantsFile,
    "properties.toml": PropertiesFile,
}
COURSE_FILES: dict[str, type] = {"cards.toml": CardsFile, "checklist.toml": ChecklistFile}


# progress.json -----------------------------------------------------------------------------

_OPEN: dict[str, Any] = {"extra": "allow"}


def _counts(**values: int) -> None:
    for name, value in values.items():
        if value < 0:
            raise RuleBroken((name,), "must be 0 or more")


NEW, ATTEMPTED, PASSED, REVEALED = "new", "attempted", "passed", "revealed"


@dataclass(frozen=True)
class DrillEntry:
    """One drill's record in progress.json, under the keys progress.py writes, and what it means."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _OPEN
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
        _counts(attempts=self.attempts, hints_used=self.hints_used)

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
    __pydantic_config__: ClassVar[dict[str, Any]] = _OPEN
    fsrs: dict[str, Any] = field(default_factory=dict)  # fsrs's own record; cards.py reads what it needs and tolerates the rest
    reviews: int = 0
    last_rating: Optional[str] = None
    introduced_at: Optional[str] = None  # the first review: counts against the day's limit of new cards

    def __post_init__(self) -> None:
        _counts(reviews=self.reviews)


@dataclass(frozen=True)
class Settings:
    __pydantic_config__: ClassVar[dict[str, Any]] = _OPEN
    new_cards_per_day: int = 10

    def __post_init__(self) -> None:
        _counts(new_cards_per_day=self.new_cards_per_day)


@dataclass(frozen=True)
class ProgressFile:
    __pydantic_config__: ClassVar[dict[str, Any]] = _OPEN
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
