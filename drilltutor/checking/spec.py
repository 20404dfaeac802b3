"""The `@check` decorator and the two ways a check ends other than passing."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable


KITS_DIR = "_kits"  # beside the drills: check helpers that no single drill owns


class Failure(Exception):
    """A failed check, told the way a learner can act on it."""

    def __init__(self, *, sent: str = "", got: str = "", expected: str = "", fix: str = "", detail: str = "") -> None:
        super().__init__(got or expected)
        self.sent, self.got, self.expected, self.fix, self.detail = sent, got, expected, fix, detail


class Advice(Exception):
    """Not wrong, but worth changing; never fails the run."""

    def __init__(self, got: str, fix: str) -> None:
        super().__init__(got)
        self.got, self.fix = got, fix


@dataclass(frozen=True)
class CheckSpec:
    id: str
    title: str
    func: Callable[[Any], None]
    needs: tuple[str, ...] = ()


def check(check_id: str, title: str, *, needs: tuple[str, ...] = ()) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
    """Declare a hidden check. Checks run in the order their module defines them."""

    def mark(func: Callable[[Any], None]) -> Callable[[Any], None]:
        func.__check__ = CheckSpec(check_id, title, func, needs)  # type: ignore[attr-defined]
        return func

    return mark


def collect(namespace: dict[str, Any]) -> list[CheckSpec]:
    return [value.__check__ for value in namespace.values() if hasattr(value, "__check__")]


@dataclass(frozen=True)
class Crash:
    """The learner's file raised while it ran, so no check could run: what an explainer reads.

    Data, not the exception: the file ran in the agent's process, the explainers run in the judge's.
    """

    type_name: str  # the exception's class name: "ExpiredSignatureError"
    module: str  # its class's module: "jose.exceptions"
    bases: tuple[str, ...]  # the names of its class and every base class
    message: str  # str(exc)
    lines: tuple[int, ...]  # the lines of the learner's file in its traceback, outermost first
    source: str
    file: str

    def line(self) -> int | None:
        """The line of the learner's file the error came out of (its last frame there)."""
        return self.lines[-1] if self.lines else None


CrashExplainer = Callable[[Crash], "str | None"]


def explains_crash(func: CrashExplainer) -> CrashExplainer:
    """Declare a function that names a common slip behind a crash of the learner's file.

    It gets the `Crash` and returns the one thing to change, or None when it does not know
    the slip; the first answer is added to the problem's message.
    """
    func.__explains_crash__ = True  # type: ignore[attr-defined]
    return func


def collect_crash_explainers(namespace: dict[str, Any]) -> list[CrashExplainer]:
    return [value for value in namespace.values() if getattr(value, "__explains_crash__", False)]


FailureExplainer = Callable[[Any, Failure], "str | None"]


def explains_failure(func: FailureExplainer) -> FailureExplainer:
    """Declare a function that names a common slip behind a failed check.

    It gets the `Ctx` and the `Failure` and returns the one thing to change, or None when the
    failure is not the mark of its slip; the first answer leads the failure's fix. A slip
    named by an earlier check of the run is named again in one line, without its traceback:
    one slip that breaks every route is one long message, not one per check.
    """
    func.__explains_failure__ = True  # type: ignore[attr-defined]
    return func


def collect_failure_explainers(namespace: dict[str, Any]) -> list[FailureExplainer]:
    return [value for value in namespace.values() if getattr(value, "__explains_failure__", False)]


def kit(name: str) -> ModuleType:
    """A check kit: a module of check helpers that several drills share, from `_kits/NAME.py`.

    Looked up beside the calling drill's folder (an instructor's drills folder may bring its
    own kits), then among the bundled drills' kits. Loaded once per run, like `shared`.
    """
    from drilltutor.paths import bundled_drills_dir

    caller = Path(sys._getframe(1).f_globals["__file__"]).resolve()
    for kits in (caller.parent.parent / KITS_DIR, bundled_drills_dir() / KITS_DIR):
        if (kits / f"{name}.py").is_file():
            return shared(str(kits / "__init__.py"), f"{name}.py")
    raise ImportError(f"no check kit named {name!r} in {caller.parent.parent / KITS_DIR} or the bundled drills")


def shared(checks_file: str, relative: str) -> ModuleType:
    """A module of check helpers that several drills share, by its path from the calling checks.py.

    Loaded once per run, so every drill in an `extends` chain sees the same module (and its state).
    """
    path = (Path(checks_file).resolve().parent / relative).resolve()
    name = "drilltutor_shared_" + path.stem
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"no check helpers at {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        from drilltutor.checking.compiled import code_of

        exec(code_of(str(path)), module.__dict__)  # noqa: S102  (what the loader's exec_module does, with code compiled ahead)
    return sys.modules[name]
