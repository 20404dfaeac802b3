"""The shape of a drill folder's data files other than drill.toml: hints, cards, the course's
checklist, mistakes, alternatives, copies, solution, mutants and properties.

The same kind of models as drilltutor/models.py (frozen dataclasses that pydantic validates,
value rules in `__post_init__`, closed to unknown keys), kept apart so that a command that
reads none of these files does not build them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Optional

from drilltutor.models import CLOSED, DrillMeta, RuleBroken, filled, unique


def _variant(name: str, changes: tuple[Change, ...]) -> None:
    filled(name=name)
    if not changes:
        raise RuleBroken(("change",), "needs at least one [[change]]")


@dataclass(frozen=True)
class Hint:
    __pydantic_config__: ClassVar[dict[str, Any]] = CLOSED
    text: str
    checks: tuple[str, ...] = ()  # a failing check with one of these ids points at this hint

    def __post_init__(self) -> None:
        filled(text=self.text)


@dataclass(frozen=True)
class HintsFile:
    __pydantic_config__: ClassVar[dict[str, Any]] = CLOSED
    hint: tuple[Hint, ...] = ()


@dataclass(frozen=True)
class Card:
    __pydantic_config__: ClassVar[dict[str, Any]] = CLOSED
    id: str  # unique across the whole catalogue: review state is kept under it
    front: str
    back: str

    def __post_init__(self) -> None:
        filled(id=self.id, front=self.front, back=self.back)


@dataclass(frozen=True)
class CardsFile:
    """A drill's cards.toml, and the course's own drills/cards.toml."""

    __pydantic_config__: ClassVar[dict[str, Any]] = CLOSED
    card: tuple[Card, ...] = ()

    def __post_init__(self) -> None:
        unique(self.card, "id", "card")


@dataclass(frozen=True)
class ChecklistItem:
    __pydantic_config__: ClassVar[dict[str, Any]] = CLOSED
    id: str
    text: str

    def __post_init__(self) -> None:
        filled(id=self.id, text=self.text)


@dataclass(frozen=True)
class ChecklistFile:
    __pydantic_config__: ClassVar[dict[str, Any]] = CLOSED
    item: tuple[ChecklistItem, ...] = ()

    def __post_init__(self) -> None:
        unique(self.item, "id", "item")


@dataclass(frozen=True)
class Change:
    __pydantic_config__: ClassVar[dict[str, Any]] = CLOSED
    replace: str  # must stand exactly once in the base file
    with_: str  # TOML `with`

    def __post_init__(self) -> None:
        if not self.replace:
            raise RuleBroken(("replace",), "is empty")


@dataclass(frozen=True)
class Mistake:
    """A file stated as its changes to another (drilltutor/variants.py): a realistic mistake."""

    __pydantic_config__: ClassVar[dict[str, Any]] = CLOSED
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

    __pydantic_config__: ClassVar[dict[str, Any]] = CLOSED
    name: str
    change: tuple[Change, ...]
    why: str = ""
    base: Optional[str] = None

    def __post_init__(self) -> None:
        _variant(self.name, self.change)


@dataclass(frozen=True)
class Copy:
    """tests-verify's broken copies of the reference Tasks API."""

    __pydantic_config__: ClassVar[dict[str, Any]] = CLOSED
    name: str
    why: str
    fix: str  # the test that would catch it
    change: tuple[Change, ...]
    base: Optional[str] = None

    def __post_init__(self) -> None:
        _variant(self.name, self.change)
        filled(why=self.why, fix=self.fix)


@dataclass(frozen=True)
class MistakesFile:
    __pydantic_config__: ClassVar[dict[str, Any]] = CLOSED
    mistake: tuple[Mistake, ...] = ()

    def __post_init__(self) -> None:
        unique(self.mistake, "name", "mistake")


@dataclass(frozen=True)
class AlternativesFile:
    __pydantic_config__: ClassVar[dict[str, Any]] = CLOSED
    alternative: tuple[Alternative, ...] = ()

    def __post_init__(self) -> None:
        unique(self.alternative, "name", "alternative")


@dataclass(frozen=True)
class SolutionFile:
    """solution.toml: a drill's reference stated as its changes to another drill's (one entry)."""

    __pydantic_config__: ClassVar[dict[str, Any]] = CLOSED
    solution: tuple[Alternative, ...] = ()

    def __post_init__(self) -> None:
        unique(self.solution, "name", "solution")


@dataclass(frozen=True)
class CopiesFile:
    __pydantic_config__: ClassVar[dict[str, Any]] = CLOSED
    copy: tuple[Copy, ...] = ()

    def __post_init__(self) -> None:
        unique(self.copy, "name", "copy")


@dataclass(frozen=True)
class Survivor:
    """A mutant the checks rightly let pass (`drilltutor dev mutants`)."""

    __pydantic_config__: ClassVar[dict[str, Any]] = CLOSED
    id: str
    why: str
    # "equivalent": proven by dev mutants' replay; "allowed": `contract` quotes the sentence that allows it.
    excuse: Literal["equivalent", "allowed"]
    contract: Optional[str] = None

    def __post_init__(self) -> None:
        filled(id=self.id, why=self.why)
        if self.excuse == "allowed" and not (self.contract or "").strip():
            raise RuleBroken(("contract",), 'is needed when excuse = "allowed": the sentence of the contract that allows the change')


@dataclass(frozen=True)
class MutantsFile:
    __pydantic_config__: ClassVar[dict[str, Any]] = CLOSED
    survivor: tuple[Survivor, ...] = ()

    def __post_init__(self) -> None:
        unique(self.survivor, "id", "survivor")


@dataclass(frozen=True)
class Property:
    """A property the drill's checks prove, in the contract's words, and where it comes from."""

    __pydantic_config__: ClassVar[dict[str, Any]] = CLOSED
    id: str
    says: str
    source: str  # e.g. "OWASP Password Storage Cheat Sheet; ASVS V2.4.1"
    checks: tuple[str, ...]

    def __post_init__(self) -> None:
        filled(id=self.id, says=self.says, source=self.source)
        if not self.checks:
            raise RuleBroken(("checks",), "names no check")


@dataclass(frozen=True)
class PropertiesFile:
    __pydantic_config__: ClassVar[dict[str, Any]] = CLOSED
    property: tuple[Property, ...] = ()

    def __post_init__(self) -> None:
        unique(self.property, "id", "property")


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


