"""Loads the drill catalogue from folders of data; no drill is named in code."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from drilltutor import datafile
from drilltutor.errors import DrilltutorError
from drilltutor.models import DrillMeta

if TYPE_CHECKING:
    from drilltutor.foldermodels import Card, ChecklistItem, Hint, Property

METADATA_FILE = "drill.toml"
DRILL_FILES = ("prompt.md", "hints.toml", "checks.py")
SOLUTION_FILE = "solution.py"
# An exercise's reference stated as its changes to another drill's, so that a change to the
# project's reference reaches every exercise built on it.
SOLUTION_CHANGES = "solution.toml"


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
    points: float | None = None  # the drill's points in a grade; None: an equal share per check

    # Read on first use, not at load: `list` and `run` of a passing file need neither, and
    # parsing two more TOML files per drill (and building their models) is a fifth of
    # `list`'s start-up.
    @cached_property
    def hints(self) -> tuple[Hint, ...]:
        from drilltutor.foldermodels import HintsFile

        return datafile.load(self.folder / "hints.toml", HintsFile).hint

    @cached_property
    def cards(self) -> tuple[Card, ...]:
        return _cards(self.folder / "cards.toml")

    @cached_property
    def properties(self) -> tuple[Property, ...]:
        """What the drill's checks prove, in the contract's words (properties.toml; optional)."""
        from drilltutor.foldermodels import PropertiesFile

        path = self.folder / "properties.toml"
        return datafile.load(path, PropertiesFile).property if path.is_file() else ()

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

    # The course's own cards and self-check items, read on first use like a drill's hints.
    @cached_property
    def cards(self) -> tuple[Card, ...]:
        return _cards(self.folder / "cards.toml")

    @cached_property
    def checklist(self) -> tuple[ChecklistItem, ...]:
        from drilltutor.foldermodels import ChecklistFile

        path = self.folder / "checklist.toml"
        return datafile.load(path, ChecklistFile).item if path.is_file() else ()

    def find(self, name: str) -> Drill:
        wanted = name.strip().lower()
        for drill in self.drills:
            if wanted in (n.lower() for n in drill.names):
                return drill
        known = ", ".join(f"{d.id} ({d.alias})" for d in self.drills)
        close = self.closest(name)
        guess = f" Did you mean {close}?" if close else ""
        raise DrilltutorError(f"No drill is called {name!r}.{guess}", hint=f"Known drills: {known}.")

    def closest(self, name: str) -> str | None:
        """The drill name a slip of the keyboard most likely meant (`hashin` -> `hashing`), if any is close."""
        from difflib import get_close_matches  # only on a miss: `list` does not pay for it

        wanted = name.strip().lower()
        # `drill-7` is not a slip for `drill-6`: a guess must keep the digits that were typed
        digits = "".join(filter(str.isdigit, wanted))
        names = [n for d in self.drills for n in (d.alias, d.id) if "".join(filter(str.isdigit, n)) == digits]
        found = get_close_matches(wanted, [n.lower() for n in names], n=1, cutoff=0.75)
        return next((n for n in names if found and n.lower() == found[0]), None)

    def completions(self, incomplete: str) -> list[tuple[str, str]]:
        """Names that complete `incomplete` at a shell's Tab, each with its drill's title.

        A bare Tab offers ids and aliases; numbers only once a digit is typed (`3` alone says little).
        """
        found = []
        for drill in self.drills:
            names = drill.names if incomplete else (drill.id, drill.alias)
            found += [(name, drill.title) for name in names if name.startswith(incomplete)]
        return found

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


def _cards(path: Path) -> tuple[Card, ...]:
    from drilltutor.foldermodels import CardsFile

    return datafile.load(path, CardsFile).card if path.is_file() else ()


def load_drill(folder: Path) -> Drill:
    meta_path = folder / METADATA_FILE
    meta = datafile.load(meta_path, DrillMeta)
    for name in DRILL_FILES:
        if not (folder / name).is_file():
            raise datafile.malformed(folder / name, "the file is missing")
    if not (folder / SOLUTION_FILE).is_file() and not (folder / SOLUTION_CHANGES).is_file():
        raise datafile.malformed(folder / SOLUTION_FILE, f"the file is missing (or state it as changes in {SOLUTION_CHANGES})")
    fields = {key: value for key, value in vars(meta).items() if key != "format"}
    drill = Drill(folder=folder, starter=folder / "starter.py", **fields)
    if not drill.starter.is_file() and drill.starter_from is None:
        raise datafile.malformed(drill.starter, f"the file is missing (or set `starter_from` in {meta_path})")
    return drill


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
        raise datafile.malformed(changes, f"state exactly one [[solution]], not {len(variants)}")
    target = _solutions_dir() / drill_folder / SOLUTION_FILE
    target.parent.mkdir(exist_ok=True)
    target.write_text(variants[0].source(), encoding="utf-8")
    return target


def load_catalogue(folder: Path) -> Catalogue:
    """Every drill under `folder` (each a folder with a drill.toml), in their order."""
    if not folder.is_dir():
        raise DrilltutorError(f"The drills folder {folder} does not exist.", hint="Check --drills-dir or DRILLTUTOR_DRILLS.")
    drills = sorted(
        (load_drill(sub) for sub in folder.iterdir() if (sub / METADATA_FILE).is_file()),
        key=lambda d: (d.order, d.id),
    )
    _check_unique(drills, folder)
    catalogue = Catalogue(folder=folder, drills=tuple(drills))
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
