"""A variant is a file stated as its changes to another: a mistake as its one change to
the reference, a broken copy of an app as the one behaviour it breaks.

A drill's `mistakes.toml` holds its mistakes this way, so a reader sees the mistake and a
change to the reference reaches every mistake at once; its `alternatives.toml` holds the
correct styles that are one change away from another file (an exercise's from the
project's alternative in the same style). A change that no longer applies
(its text is gone from the base, or stands there more than once) fails loudly, naming
the variant, rather than running a file that is not the mistake it claims to be.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from drilltutor import datafile, foldermodels
from drilltutor.errors import DrilltutorError
from drilltutor.foldermodels import Change

# Each table, and the model of the file that holds it (under the table's own name).
_FILES: dict[str, type[foldermodels.MistakesFile | foldermodels.AlternativesFile | foldermodels.CopiesFile | foldermodels.SolutionFile]] = {
    "mistake": foldermodels.MistakesFile,
    "alternative": foldermodels.AlternativesFile,
    "copy": foldermodels.CopiesFile,
    "solution": foldermodels.SolutionFile,
}


@dataclass(frozen=True)
class Variant:
    name: str
    why: str  # one line: why a learner writes this
    expect: tuple[str, ...]  # the check ids it must fail on ("problem:crash" for a file that cannot run)
    base: Path  # the file it changes (for a base that is itself a variant, the TOML file stating it)
    changes: tuple[Change, ...]
    origin: Path  # the TOML file that states it, for messages
    base_variant: Variant | None = None  # the variant it changes, when `base` names one ("alternatives.toml#pyjwt")

    def source(self) -> str:
        """The base file with every change made; each change must match exactly once."""
        if self.base_variant is not None:
            text = self.base_variant.source()
        else:
            text = self.base.read_text(encoding="utf-8").replace("\r\n", "\n")
        for number, change in enumerate(self.changes, 1):
            found = text.count(change.replace)
            if found != 1:
                where = "is no longer in" if found == 0 else f"stands {found} times in"
                raise DrilltutorError(
                    f"{self.origin}: variant {self.name!r}, change {number}: its `replace` text {where} {self.base.name}.",
                    hint="Update the change to the current base file, so that its `replace` text matches exactly one place.",
                )
            text = text.replace(change.replace, change.with_)
        return text


def load_variants(path: Path, table: str, default_base: Path) -> tuple[Variant, ...]:
    """The variants under `[[table]]` ("mistake", "alternative" or "copy") in `path`; none when
    the file does not exist.

    A variant changes `default_base` unless it names another file (`base`, relative to
    the TOML file's folder), such as an alternative it is one change away from, or another
    variant ("FILE.toml#NAME", this file's own included): a chain of such bases is followed
    to its first real file.
    """
    if not path.is_file():
        return ()
    return tuple(_variant(path, table, number, entry, default_base, ()) for number, entry in enumerate(_entries(path, table)))


_Entry = foldermodels.Mistake | foldermodels.Alternative | foldermodels.Copy


def _entries(path: Path, table: str) -> tuple[_Entry, ...]:
    entries: tuple[_Entry, ...] = getattr(datafile.load(path, _FILES[table]), table)
    return entries


def _variant(path: Path, table: str, number: int, entry: _Entry, default_base: Path, chain: tuple[str, ...]) -> Variant:
    """One entry as a variant; `chain` holds the variants ("FILE#NAME") whose bases led here."""
    link = f"{path.resolve()}#{entry.name}"
    base, base_variant = _base(entry.base, path, (table, number, "base"), entry.name, default_base, (*chain, link))
    expect = entry.expect if isinstance(entry, foldermodels.Mistake) else ()
    return Variant(entry.name, entry.why, expect, base, entry.change, path, base_variant)


def _base(named: str | None, origin: Path, field: tuple[str | int, ...], name: str, default_base: Path, chain: tuple[str, ...]) -> tuple[Path, Variant | None]:
    """The file a variant changes, or the variant it changes when `base` is "FILE.toml#NAME"
    (an alternative that is itself stated as changes, perhaps to another such variant).
    Only the named entry is resolved, so a file's variants may be based on one another."""
    if named is None:
        return default_base, None
    file, _, wanted = named.partition("#")
    base = origin.parent / file
    if not base.is_file():
        raise datafile.field_error(origin, field, f"variant {name!r} changes {base}, which is not a file")
    if not wanted:
        return base, None
    if f"{base.resolve()}#{wanted}" in chain:
        raise datafile.field_error(origin, field, f"variant {name!r} changes {named}, whose chain of bases comes back to itself")
    table = "solution" if base.name == "solution.toml" else "alternative"
    found = next(((n, e) for n, e in enumerate(_entries(base, table)) if e.name == wanted), None)
    if found is None:
        raise datafile.field_error(origin, field, f"variant {name!r} changes {named}, but {base.name} states no [[{table}]] named {wanted!r}")
    number, entry = found
    return base, _variant(base, table, number, entry, base.parent / "solution.py", chain)
