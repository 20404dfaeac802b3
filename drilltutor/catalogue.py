"""Loads the drill catalogue from folders of data; no drill is named in code."""

from __future__ import annotations

import atexit
import functools
import shutil
import sys
import tempfile
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from drilltutor.errors import DrilltutorError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

FORMAT_VERSION = 1
METADATA_FILE = "drill.toml"
DRILL_FILES = ("prompt.md", "hints.toml", "checks.py")
SOLUTION_FILE = "solution.py"
# An exercise's reference stated as its changes to another drill's, so that a change to the
# project's reference reaches every exercise built on it.
SOLUTION_CHANGES = "solution.toml"
MODES = ("script", "module", "pytest")  # pytest: a test file, which only the checks run (with pytest)


@dataclass(frozen=True)
class Hint:
    text: str
    checks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Card:
    id: str
    front: str
    back: str


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    text: str


@dataclass(frozen=True)
class Drill:
    id: str
    alias: str
    number: int | None
    title: str
    file: str
    order: int
    mode: str
    seed: str
    folder: Path
    starter: Path  # the drill's own starter.py, or that of the drill named by `starter_from`
    extends: str | None = None
    opens_after: tuple[str, ...] = ()
    starter_from: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    self_check: str = ""
    timeout: float | None = None  # seconds the whole run needs at least, when more than the default

    # Read on first use, not at load: `list` and `run` of a passing file need neither, and
    # parsing two more TOML files per drill is a tenth of `list`'s start-up.
    @cached_property
    def hints(self) -> tuple[Hint, ...]:
        path = self.folder / "hints.toml"
        return tuple(Hint(_require(h, "text", str, path), tuple(h.get("checks", ()))) for h in _read_toml(path).get("hint", []))

    @cached_property
    def cards(self) -> tuple[Card, ...]:
        path = self.folder / "cards.toml"
        return _cards(_read_toml(path), path) if path.is_file() else ()

    @property
    def prompt_path(self) -> Path:
        return self.folder / "prompt.md"

    @cached_property
    def solution_path(self) -> Path:
        """The reference as a file: solution.py, or solution.toml's changes written out once per process."""
        own = self.folder / SOLUTION_FILE
        if own.is_file():
            return own
        return _written_out(self.folder / SOLUTION_CHANGES, self.folder.name)

    @property
    def checks_path(self) -> Path:
        return self.folder / "checks.py"

    @property
    def mistakes_dir(self) -> Path:
        return self.folder / "mistakes"

    @property
    def mistakes_file(self) -> Path:
        return self.folder / "mistakes.toml"

    @property
    def alternatives_file(self) -> Path:
        return self.folder / "alternatives.toml"

    @property
    def names(self) -> tuple[str, ...]:
        """Every way a learner may name this drill on the command line."""
        number = () if self.number is None else (str(self.number),)
        return (self.id, self.alias, *number)


@dataclass(frozen=True)
class Catalogue:
    folder: Path
    drills: tuple[Drill, ...]
    cards: tuple[Card, ...] = ()
    checklist: tuple[ChecklistItem, ...] = ()

    def find(self, name: str) -> Drill:
        wanted = name.strip().lower()
        for drill in self.drills:
            if wanted in (n.lower() for n in drill.names):
                return drill
        known = ", ".join(f"{d.id} ({d.alias})" for d in self.drills)
        raise DrilltutorError(f"No drill is called {name!r}.", hint=f"Known drills: {known}.")

    def get(self, drill_id: str) -> Drill:
        return next(d for d in self.drills if d.id == drill_id)

    def all_cards(self) -> tuple[Card, ...]:
        return self.cards + tuple(card for drill in self.drills for card in drill.cards)

    def chain(self, drill: Drill) -> list[Drill]:
        """The drill and the drills it extends, base first."""
        chain = [drill]
        while chain[0].extends:
            chain.insert(0, self.find(chain[0].extends))
        return chain


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DrilltutorError(f"Malformed drill: {path} is missing.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DrilltutorError(f"Malformed drill: {path} is not valid TOML ({exc}).") from None


def _require(data: dict[str, Any], key: str, kind: type, path: Path) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise DrilltutorError(f"Malformed drill: {path} needs `{key}` ({kind.__name__}).")
    return value


def _cards(data: dict[str, Any], path: Path) -> tuple[Card, ...]:
    return tuple(
        Card(_require(c, "id", str, path), _require(c, "front", str, path), _require(c, "back", str, path))
        for c in data.get("card", [])
    )


def load_drill(folder: Path) -> Drill:
    meta_path = folder / METADATA_FILE
    meta = _read_toml(meta_path)
    if meta.get("format") != FORMAT_VERSION:
        raise DrilltutorError(f"Malformed drill: {meta_path} has format {meta.get('format')!r}, expected {FORMAT_VERSION}.")
    for name in DRILL_FILES:
        if not (folder / name).is_file():
            raise DrilltutorError(f"Malformed drill: {folder / name} is missing.")
    if not (folder / SOLUTION_FILE).is_file() and not (folder / SOLUTION_CHANGES).is_file():
        raise DrilltutorError(f"Malformed drill: {folder / SOLUTION_FILE} is missing (or state it as changes in {SOLUTION_CHANGES}).")
    mode = _require(meta, "mode", str, meta_path)
    if mode not in MODES:
        raise DrilltutorError(f"Malformed drill: {meta_path} has mode {mode!r}; use one of {', '.join(MODES)}.")
    starter_from = meta.get("starter_from")
    starter = folder / "starter.py"
    if not starter.is_file() and starter_from is None:
        raise DrilltutorError(f"Malformed drill: {starter} is missing (or set `starter_from` in {meta_path}).")
    number = meta.get("number")
    if number is not None and not isinstance(number, int):
        raise DrilltutorError(f"Malformed drill: {meta_path} has a `number` that is not a whole number.")
    timeout = meta.get("timeout")
    if timeout is not None and (not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0):
        raise DrilltutorError(f"Malformed drill: {meta_path} has a `timeout` that is not a positive number of seconds.")
    return Drill(
        id=_require(meta, "id", str, meta_path),
        alias=_require(meta, "alias", str, meta_path),
        number=number,
        title=_require(meta, "title", str, meta_path),
        file=_require(meta, "file", str, meta_path),
        order=_require(meta, "order", int, meta_path),
        mode=mode,
        seed=str(meta.get("seed", "")),
        folder=folder,
        starter=starter,
        extends=meta.get("extends"),
        opens_after=tuple(meta.get("opens_after", ())),
        starter_from=starter_from,
        env={str(k): str(v) for k, v in meta.get("env", {}).items()},
        self_check=str(meta.get("self_check", "")),
        timeout=None if timeout is None else float(timeout),
    )


@functools.cache
def _solutions_dir() -> Path:
    # A folder of this process's own: the drills folder may be read-only (installed, or an
    # instructor's), and runs only need to read the file.
    folder = Path(tempfile.mkdtemp(prefix="drilltutor-solutions-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def _written_out(changes: Path, drill_folder: str) -> Path:
    from drilltutor.variants import load_variants

    variants = load_variants(changes, "solution", changes.parent / SOLUTION_FILE)
    if len(variants) != 1:
        raise DrilltutorError(f"Malformed drill: {changes} must state exactly one [[solution]], not {len(variants)}.")
    target = _solutions_dir() / drill_folder / SOLUTION_FILE
    target.parent.mkdir(exist_ok=True)
    target.write_text(variants[0].source(), encoding="utf-8")
    return target


def load_catalogue(folder: Path) -> Catalogue:
    if not folder.is_dir():
        raise DrilltutorError(f"The drills folder {folder} does not exist.", hint="Check --drills-dir or DRILLTUTOR_DRILLS.")
    drills = sorted(
        (load_drill(sub) for sub in folder.iterdir() if (sub / METADATA_FILE).is_file()),
        key=lambda d: (d.order, d.id),
    )
    _check_unique(drills, folder)
    cards_path = folder / "cards.toml"
    checklist_path = folder / "checklist.toml"
    checklist = ()
    if checklist_path.is_file():
        checklist = tuple(
            ChecklistItem(_require(i, "id", str, checklist_path), _require(i, "text", str, checklist_path))
            for i in _read_toml(checklist_path).get("item", [])
        )
    cards = _cards(_read_toml(cards_path), cards_path) if cards_path.is_file() else ()
    catalogue = Catalogue(folder=folder, drills=tuple(drills), cards=cards, checklist=checklist)
    for drill in drills:
        for other in (drill.extends, drill.starter_from, *drill.opens_after):
            if other is not None:
                catalogue.find(other)
    return replace(catalogue, drills=tuple(_with_starter(catalogue, d) for d in drills))


def _with_starter(catalogue: Catalogue, drill: Drill) -> Drill:
    """A drill without a starter.py of its own starts from its `starter_from` drill's starter."""
    if drill.starter.is_file() or drill.starter_from is None:
        return drill
    return replace(drill, starter=_with_starter(catalogue, catalogue.find(drill.starter_from)).starter)


def _check_unique(drills: list[Drill], folder: Path) -> None:
    seen: dict[str, str] = {}
    for drill in drills:
        for name in {n.lower() for n in drill.names}:
            if name in seen:
                raise DrilltutorError(f"Malformed drills in {folder}: {name!r} names both {seen[name]} and {drill.id}.")
            seen[name] = drill.id
        if drill.file in seen:
            raise DrilltutorError(f"Malformed drills in {folder}: two drills use the file {drill.file}.")
        seen[drill.file] = drill.id
