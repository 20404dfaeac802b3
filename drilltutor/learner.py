"""Loading the learner's file, and saying in a learner's words why it could not load.

Shared by the agent (a checked run) and the served app (`checking/serve`), so neither
imports the other; also what those processes keep of the learner's output and bcrypt use.
"""

from __future__ import annotations

import builtins
from collections import deque
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any, Callable

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


class BcryptCounter:
    """Counts bcrypt hash and verify calls at a real work factor, wherever they come from."""

    def __init__(self) -> None:
        self.ops = 0
        try:
            import bcrypt
        except ImportError:
            return
        for name in ("hashpw", "checkpw"):
            setattr(bcrypt, name, self._counted(getattr(bcrypt, name)))

    def _counted(self, func: Callable[..., Any]) -> Callable[..., Any]:
        def counted(password: Any, salt_or_hash: Any) -> Any:
            # passlib probes its backend at work factors 4 and 5; those calls are not the checks' doing.
            if _cost(salt_or_hash) >= 6:
                self.ops += 1
            return func(password, salt_or_hash)

        return counted


def _cost(setting: Any) -> int:
    try:
        return int(bytes(setting)[4:6])
    except (TypeError, ValueError):
        return 0


class Tee:
    """Keeps what the learner's file prints and still passes it to the real stdout.

    It keeps the first and the last `cap` characters, so a flood of output neither costs
    memory nor hides what the file printed at the end.
    """

    def __init__(self, stream: Any, cap: int) -> None:
        self.stream, self.cap, self.size = stream, cap, 0
        self.parts: list[str] = []
        self.tail: deque[str] = deque()
        self.tail_size = 0

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        room = max(self.cap - self.size, 0)
        if room:
            self.parts.append(text[:room])
        self.size += len(text)
        if len(text) > room:
            self.tail.append(text[room:][-self.cap :])
            self.tail_size += len(self.tail[-1])
            while self.tail_size - len(self.tail[0]) >= self.cap:
                self.tail_size -= len(self.tail.popleft())
        try:
            return self.stream.write(text)
        except (OSError, ValueError):
            return len(text)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def text(self) -> str:
        head, tail = "".join(self.parts), "".join(self.tail)[-self.cap :]
        skipped = self.size - len(head) - len(tail)
        return head + (f"\n[... {skipped} characters not kept ...]\n" if skipped else "") + tail

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def adopt(env: dict[str, str] | None, cwd: str | None) -> None:
    """Become the run a job describes: a process started ahead of its job (a spare worker or
    agent, a fork of the zygote) had no run's environment or folder yet."""
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    if cwd is not None:
        os.chdir(cwd)
        sys.path[0] = cwd  # `python -m` put the folder it started in first


def end_stdin() -> None:
    """From now on stdin reads as ended, as the learner's input() must see it (a process's job came on it)."""
    empty = os.open(os.devnull, os.O_RDONLY)
    os.dup2(empty, 0)
    os.close(empty)


def preload(names: list[str]) -> None:
    """Import what runs will need, before the job comes (a worker started ahead of it)."""
    import importlib

    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001,S112  (not installed or broken: the run imports it, or fails, as a cold run would)
            continue
