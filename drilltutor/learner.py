"""Loading the learner's file, and saying in a learner's words why it could not load.

Shared by the harness (a checked run) and the served app (`checking/serve`), so neither
imports the other.
"""

from __future__ import annotations

import builtins
import importlib.util
import sys
from pathlib import Path
from typing import Any

from drilltutor.checking.trace import one_line, trimmed


def load_learner(path: Path, mode: str, source: bytes | None = None) -> dict[str, Any]:
    """Run the learner's file: as a script (`__main__`) or imported as a module."""
    if mode == "pytest":  # a test file: the checks run it with pytest, in processes of their own
        return {}
    code = compile(path.read_bytes() if source is None else source, str(path), "exec")
    sys.path.insert(0, str(path.parent))
    if mode == "script":
        namespace: dict[str, Any] = {"__name__": "__main__", "__file__": str(path), "__builtins__": builtins}
        try:
            exec(code, namespace)
        except SystemExit as exc:
            if exc.code not in (None, 0):
                raise
        return namespace
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    exec(code, module.__dict__)
    return module.__dict__


def problem_for(exc: BaseException, path: Path, mode: str) -> tuple[str, str, str]:
    doing = "running" if mode == "script" else "importing"
    if isinstance(exc, SyntaxError):
        where = f" (line {exc.lineno})" if exc.lineno else ""
        if "codec can't decode" in str(exc.msg):
            return "encoding", f"{path.name} is not saved as UTF-8{where}: {exc.msg}. Save it as UTF-8 in your editor.", ""
        return "syntax", f"{path.name} has a syntax error{where}: {exc.msg}", trimmed(exc, str(path))
    if isinstance(exc, SystemExit):
        return "exit", f"{path.name} {exit_words(exc)} while {doing}; remove it, the checks need the file to finish.", ""
    if isinstance(exc, EOFError):
        return "input", f"{path.name} waited for typed input while {doing} and got EOFError: the checks type nothing; remove the input() call.", trimmed(exc, str(path))
    if isinstance(exc, MemoryError):
        return "memory", f"{path.name} ran out of memory while {doing} (the run is limited); look for a list or string that grows without end.", trimmed(exc, str(path))
    if isinstance(exc, RecursionError):
        return "crash", f"{path.name} recursed without end while {doing}: {one_line(exc)}", trimmed(exc, str(path))
    if isinstance(exc, (ImportError, ModuleNotFoundError)):
        return "import", f"{path.name} could not import something: {one_line(exc)}", trimmed(exc, str(path))
    return "crash", f"{path.name} raised an error while {doing}: {one_line(exc)}", trimmed(exc, str(path))


def exit_words(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "raised KeyboardInterrupt"
    code = getattr(exc, "code", None)
    return "called sys.exit() (or raised SystemExit)" if code is None else f"called sys.exit({code!r})"
