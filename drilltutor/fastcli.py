"""A lighter start for Typer: only the command asked for is built, and plain values skip pydantic.

Typer 0.29 does two costly things on every start, whatever the command:

* it builds every command of the app (signatures, annotations, parameters) before it
  looks at the command line: `narrowed` gives it a view of the app holding only the
  command the arguments name (the whole app for `--help`, no command, or an unknown one);
* it converts every non-flag parameter through a pydantic `TypeAdapter`, built on first
  use: importing pydantic and building the adapters costs about 100 ms, more than the
  rest of `drilltutor list`. drilltutor's parameters are plain `str`, `Path`, `int`,
  `float`, `bool` and `list[str]`; `lighten` converts those directly.

Anything else, and every value that does not convert cleanly (`--timeout abc`, a number
under its `min`), is handed back to Typer's own conversion, so error messages and exit
codes are exactly Typer's. `lighten` uses Typer internals (`typer._coercion`), guarded:
with a Typer that lacks them it does nothing, and Typer converts as it always did.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable, Sequence, get_args, get_origin

_INVALID = object()


def narrowed(app: Any, args: Sequence[str]) -> Any:
    """`app` holding only the command (or command group) `args[0]` names; `app` itself otherwise."""
    if not args or args[0].startswith("-"):
        return app
    from typer.main import get_command_name

    wanted = args[0]
    commands = [c for c in app.registered_commands if (c.name or get_command_name(c.callback.__name__)) == wanted]
    groups = [g for g in app.registered_groups if _value(getattr(g, "name", None)) == wanted]
    if not commands and not groups:  # unknown: Typer says so, with the full list to choose from
        return app
    view = copy.copy(app)
    view.registered_commands, view.registered_groups = commands, groups
    return view


def _value(name: Any) -> Any:
    return getattr(name, "value", name)  # Typer wraps defaults in DefaultPlaceholder


def lighten(command: Any) -> None:
    """Give each plain parameter of `command` (and of its subcommands) a pydantic-free converter.

    And a flag no type in the help: Typer 0.29 shows `--json <bool>`, which reads as if it took a value.
    """
    try:
        plain = _plain_class()
    except Exception:  # noqa: BLE001  # pragma: no cover - another Typer: keep its conversion
        plain = None

    def visit(param: Any) -> None:
        if getattr(param, "is_flag", False) and getattr(param, "metavar", None) is None:
            param.metavar = ""  # the help shows the metavar in place of the type
        if plain is not None:
            _lighten_param(param, plain)

    _walk(command, visit)


def _walk(command: Any, visit: Callable[[Any], None]) -> None:
    for param in getattr(command, "params", ()):
        visit(param)
    made = getattr(command, "get_help_option", None)
    if made is not None:  # --help is made on first use; it is treated like any flag

        def get_help_option(ctx: Any) -> Any:
            option = made(ctx)
            if option is not None:
                visit(option)
            return option

        command.get_help_option = get_help_option
    for sub in getattr(command, "commands", {}).values():
        _walk(sub, visit)


def _lighten_param(param: Any, plain: type) -> None:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "_runtime_param", _INVALID) is not None:
        return
    convert = _converter(descriptor.annotation, descriptor.parameter_info)
    if convert is not None:
        param._runtime_param = plain(parameter_info=descriptor.parameter_info, annotation=descriptor.annotation, convert=convert)


def _converter(annotation: Any, info: Any) -> Callable[[Any], Any] | None:
    if getattr(info, "parser", None) is not None or getattr(info, "click_type", None) is not None:
        return None
    if get_origin(annotation) is list:
        (item,) = get_args(annotation) or (None,)
        one = _converter(item, info)
        return None if one is None else lambda values: [_checked(one(v)) for v in values]
    if annotation is bool:  # flags already hold a bool; anything else (an environment string) is Typer's
        return lambda value: value if isinstance(value, bool) else _INVALID
    if annotation is str:
        return lambda value: value if isinstance(value, str) else _INVALID
    if annotation is Path and not (info.resolve_path or info.exists or info.allow_dash):
        return _path(info)
    if annotation in (int, float) and not getattr(info, "clamp", False):
        return _number(annotation, info.min, info.max)
    return None


def _checked(value: Any) -> Any:
    if value is _INVALID:
        raise ValueError
    return value


def _path(info: Any) -> Callable[[Any], Any]:
    from typer._param_types import coerce_cli_path  # Typer's own checks (file_okay, readable, ...)

    def convert(value: Any) -> Any:
        if not isinstance(value, (str, Path)):
            return _INVALID
        return coerce_cli_path(Path(value), info, path_type=Path)

    return convert


def _number(kind: type, low: Any, high: Any) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return _INVALID
        number = kind(value)
        if (low is not None and number < low) or (high is not None and number > high) or number != number:
            return _INVALID
        return number

    return convert


_PLAIN: type | None = None


def _plain_class() -> type:
    global _PLAIN
    if _PLAIN is None:
        from dataclasses import dataclass

        from typer._coercion import RuntimeParam, build_runtime_param

        @dataclass(frozen=True)
        class Plain(RuntimeParam):
            convert: Callable[[Any], Any] = lambda value: _INVALID

            def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
                try:
                    result = self.convert(value)
                except (TypeError, ValueError, OverflowError):
                    result = _INVALID
                except Exception:  # noqa: BLE001  (e.g. a BadParameter from Typer's path checks: let Typer say it)
                    result = _INVALID
                if result is _INVALID:  # Typer's own conversion, with its own message
                    return build_runtime_param(param.type_descriptor)._coerce_value(value, param=param, ctx=ctx)
                return result

        _PLAIN = Plain
    return _PLAIN
