"""The one TOML loader: every drill data file is read here, and every malformed one is said
in one format that names the file, the line and the field:

    Malformed drill: drills/x/mistakes.toml, line 12, field `mistake[2].change[1].replace`: Field required.

Entries of an array of tables are counted from 1, as a reader counts them in the file.

`load` builds a model (drilltutor/models.py, foldermodels.py) straight from the file, checking each value
against the field's type as it goes, without pydantic: `list`, `progress`, `hint` and
`cards` start without importing it. Only a file that does not fit is handed to pydantic,
whose first complaint is the message; `check` (for `dev check`) always asks pydantic.
"""

from __future__ import annotations

import dataclasses
import json
import keyword
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any, Literal, Sequence, TypeVar, Union, get_args, get_origin

from drilltutor.errors import DrilltutorError
from drilltutor.models import broken_where

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

M = TypeVar("M")

HINT = "Fix the file, then run `drilltutor dev check` to prove the drill again."
_TOML_LINE = re.compile(r"line (\d+)")
_TABLES = re.compile(r"^\s*\[\[\s*([^\]]+?)\s*\]\]")
_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]")


class MalformedData(DrilltutorError):
    """A drill data file that is not as its model says."""


def malformed(path: Path, problem: str, line: int | None = None, field: str = "") -> MalformedData:
    where = str(path) + (f", line {line}" if line else "") + (f", field `{field}`" if field else "")
    return MalformedData(f"Malformed drill: {where}: {problem.rstrip('.')}.", hint=HINT)


def read(path: Path) -> dict[str, Any]:
    """The TOML document at `path`; a missing or unparsable file is a `MalformedData`."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise malformed(path, "the file is missing") from None
    except UnicodeDecodeError:
        raise malformed(path, "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        raise malformed(path, f"not valid TOML ({exc})", int(found.group(1)) if found else None) from None


def load(path: Path, model: type[M]) -> M:
    """`path` read into `model`; a file that does not fit is a `MalformedData` saying where."""
    data = _pythonic(read(path))
    try:
        return _build(model, data)
    except (TypeError, ValueError) as exc:
        _validate(path, data, model)  # raises, with pydantic's account of what is wrong
        # What only the JSON pydantic reads lets pass (a TOML date where text is due): said all the same
        raise malformed(path, str(exc)) from None


def check(path: Path, model: type[M]) -> M:
    """As `load`, but always through pydantic: `dev check` proves every file with the model itself."""
    return _validate(path, _pythonic(read(path)), model)


def _validate(path: Path, data: dict[str, Any], model: type[M]) -> M:
    from pydantic import TypeAdapter, ValidationError

    try:
        # JSON mode, strict: dicts become dataclasses and arrays tuples, but "3" never becomes 3
        return TypeAdapter(model).validate_json(json.dumps(data, default=str), strict=True)
    except ValidationError as exc:
        raise _explained(path, exc) from None


def _pythonic(data: Any) -> Any:
    """Keys that are Python keywords (`with`) as the models name them (`with_`)."""
    if isinstance(data, dict):
        return {(f"{k}_" if keyword.iskeyword(k) else k): _pythonic(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_pythonic(v) for v in data]
    return data


def _build(model: type[M], data: Any) -> M:
    """`model` from TOML data; TypeError or ValueError when anything does not fit."""
    if not isinstance(data, dict):
        raise TypeError(f"{model.__name__} wants a table")
    hints = _hints(model)
    unknown = set(data) - set(hints)
    if unknown:
        raise TypeError(f"unknown keys {sorted(unknown)}")
    return model(**{name: _value(hints[name], value) for name, value in data.items()})


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(model: type) -> dict[str, Any]:
    """The model's fields and their types, resolved once per model (they are strings in the source)."""
    if model not in _HINTS:
        hints = typing.get_type_hints(model)
        _HINTS[model] = {f.name: hints[f.name] for f in dataclasses.fields(model)}
    return _HINTS[model]


def _value(hint: Any, value: Any) -> Any:
    """`value` as a field typed `hint` holds it (a table as its dataclass, an array as a tuple)."""
    origin, args = get_origin(hint), get_args(hint)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _build(hint, value)
    if origin is tuple and isinstance(value, list):
        return tuple(_value(args[0], item) for item in value)
    if origin is dict and isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _value(args[1], v) for k, v in value.items()}
    if origin in (Union, types.UnionType):
        for option in args:
            try:
                return _value(option, value)
            except (TypeError, ValueError):
                continue
    elif origin is Literal and value in args and type(value) in {type(a) for a in args}:
        return value
    elif hint is Any or _scalar(hint, value):
        return value
    raise TypeError(f"{value!r} is not {getattr(hint, '__name__', hint)}")


def _scalar(hint: Any, value: Any) -> bool:
    if isinstance(value, bool) or hint is bool:
        return hint is bool and isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float))
    return hint in (str, int, type(None)) and isinstance(value, hint)


def field_error(path: Path, loc: Sequence[str | int], problem: str) -> MalformedData:
    """A problem with the value at `loc` (as pydantic counts it: entries from 0), said with its line."""
    return malformed(path, problem, locate(_text(path), loc), field_name(loc))


def _explained(path: Path, exc: Any) -> MalformedData:
    errors = exc.errors()
    first = errors[0]
    loc = (*first["loc"], *broken_where(first))
    problem = first["msg"].removeprefix("Value error, ")
    value = first.get("input")
    holds = f" (it holds {value!r})" if first["type"] not in ("missing", "value_error") and not isinstance(value, (dict, list)) else ""
    more = f"; {len(errors) - 1} more problem{'s' * (len(errors) > 2)} in the file" if len(errors) > 1 else ""
    return field_error(path, loc, f"{problem}{holds}{more}")


def field_name(loc: Sequence[str | int]) -> str:
    """`mistake[2].change[1].replace`: counted from 1, as a reader counts entries."""
    name = ""
    for part in loc:
        name += f"[{part + 1}]" if isinstance(part, int) else ("." if name else "") + _toml_key(str(part))
    return name


def _toml_key(name: str) -> str:
    return name[:-1] if name.endswith("_") and keyword.iskeyword(name[:-1]) else name


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def locate(text: str, loc: Sequence[str | int]) -> int | None:
    """The line (from 1) of the value at `loc` in a TOML text, or of the nearest table that holds
    it (a missing key is said at its table's header); None when not even that is found."""
    lines = text.splitlines()
    lo, hi, table, found = 0, len(lines), "", None
    parts = [part if isinstance(part, int) else _toml_key(part) for part in loc]
    while parts and isinstance(key := parts[0], str):
        name = f"{table}.{key}" if table else key
        if len(parts) > 1 and isinstance(parts[1], int):  # an entry of an array of tables
            headers = [n for n in range(lo, hi) if _header(_TABLES, lines[n]) == name]
            if parts[1] >= len(headers):
                break
            lo = headers[parts[1]]
            hi = next((n for n in headers if n > lo), hi)
            table, found, parts = name, lo + 1, parts[2:]
            continue
        line = _key_line(lines, lo + bool(table), hi, key)
        if line is None:
            line = next((n for n in range(lo, hi) if _header(_TABLE, lines[n]) == name), None)
        if line is None:
            break
        lo, table, found, parts = line, name, line + 1, parts[1:]
    return found


def _header(pattern: re.Pattern[str], line: str) -> str | None:
    match = pattern.match(line)
    return match.group(1).replace(" ", "").replace('"', "") if match else None


def _key_line(lines: list[str], lo: int, hi: int, key: str) -> int | None:
    """The line that sets `key` in the table whose keys start at `lo` (they end at the next header)."""
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for n in range(lo, hi):
        if lines[n].lstrip().startswith("["):
            return None
        if pattern.match(lines[n]):
            return n
    return None
