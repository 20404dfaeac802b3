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

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drilltutor.errors import DrilltutorError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


@dataclass(frozen=True)
class Change:
    replace: str
    with_: str


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


def _text(data: dict[str, Any], key: str, origin: Path, name: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise DrilltutorError(f"Malformed drill: {origin}: variant {name!r} needs `{key}` (text).")
    return value


def load_variants(path: Path, table: str, default_base: Path) -> tuple[Variant, ...]:
    """The variants under `[[table]]` in `path`; none when the file does not exist.

    A variant changes `default_base` unless it names another file (`base`, relative to
    the TOML file's folder), such as an alternative it is one change away from, or
    another drill's file ("../project-tasks/alternatives/annotated_deps.py").
    """
    if not path.is_file():
        return ()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DrilltutorError(f"Malformed drill: {path} is not valid TOML ({exc}).") from None
    variants = []
    seen: set[str] = set()
    for entry in data.get(table, []):
        name = entry.get("name")
        if not isinstance(name, str) or not name or name in seen:
            raise DrilltutorError(f"Malformed drill: {path}: every [[{table}]] needs a unique `name`; {name!r} is not.")
        seen.add(name)
        changes = tuple(
            Change(_text(c, "replace", path, name), _text(c, "with", path, name)) for c in entry.get("change", [])
        )
        if not changes or any(not c.replace for c in changes):
            raise DrilltutorError(f"Malformed drill: {path}: variant {name!r} needs at least one [[{table}.change]] with a `replace` text.")
        expect = entry.get("expect", [])
        if not isinstance(expect, list) or not all(isinstance(e, str) for e in expect):
            raise DrilltutorError(f"Malformed drill: {path}: variant {name!r} has an `expect` that is not a list of check ids.")
        base, base_variant = _base(entry.get("base"), path, name, default_base)
        variants.append(Variant(name, str(entry.get("why", "")), tuple(expect), base, changes, path, base_variant))
    return tuple(variants)


def _base(named: object, origin: Path, name: str, default_base: Path) -> tuple[Path, Variant | None]:
    """The file a variant changes, or the variant it changes when `base` is "FILE.toml#NAME"
    (an alternative that is itself stated as changes)."""
    if not isinstance(named, str):
        return default_base, None
    file, _, wanted = named.partition("#")
    base = origin.parent / file
    if not base.is_file():
        raise DrilltutorError(f"Malformed drill: {origin}: variant {name!r} changes {base}, which is not a file.")
    if not wanted:
        return base, None
    table = "solution" if base.name == "solution.toml" else "alternative"
    found = next((v for v in load_variants(base, table, base.parent / "solution.py") if v.name == wanted), None)
    if found is None:
        raise DrilltutorError(f"Malformed drill: {origin}: variant {name!r} changes {named}, but {base.name} states no [[{table}]] named {wanted!r}.")
    return base, found
