"""The checks' code, compiled ahead in the warm process and inherited by every run it forks.

Compiling a drill's checks and the kits they use is most of what loading them costs (about
6 ms of drill-4's 10), and a fork of a process that compiled them already has the code. A file
is compiled ahead only as drilltutor ships or an instructor wrote it, never the learner's; a
run uses the code only while the file's text is the one it was compiled from, so an edit of a
checks file is seen at the next run, as without the cache.
"""

from __future__ import annotations

from pathlib import Path
from types import CodeType
from typing import Iterable

from drilltutor.checking.spec import KITS_DIR

_compiled: dict[str, tuple[bytes, CodeType]] = {}  # path -> (the text it was compiled from, its code)


def code_of(path: str) -> CodeType:
    """The code of the file at `path` as it reads now."""
    source = Path(path).read_bytes()
    known = _compiled.get(path)
    if known is not None and known[0] == source:
        return known[1]
    return compile(source, path, "exec")


def compile_ahead(checks: Iterable[str]) -> None:
    """Compile these checks files and every kit they may load (beside their drills, and bundled)."""
    from drilltutor.paths import bundled_drills_dir

    for path in checks:
        _remember(path)
        for folder in (Path(path).parent.parent / KITS_DIR, bundled_drills_dir() / KITS_DIR):
            for kit in sorted(folder.glob("*.py")):
                _remember(str(kit.resolve()))  # as `spec.shared` names it


def _remember(path: str) -> None:
    try:
        source = Path(path).read_bytes()
        known = _compiled.get(path)
        if known is None or known[0] != source:
            _compiled[path] = (source, compile(source, path, "exec"))
    except (OSError, SyntaxError, ValueError):  # the run meets the same error and reports it
        pass
