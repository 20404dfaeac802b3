"""The child process that loads the learner's file and runs the hidden checks.

Only the runner starts it (`python -m drilltutor.harness SPEC`). Results travel as JSON
lines on a pipe of their own, never on stdout, so nothing the learner prints can pose
as a verdict. Learner output goes to the real stdout, which the runner caps.
"""

from __future__ import annotations

import builtins
import importlib.util
import json
import os
import sys
import threading
import types
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

from drilltutor.checking.context import Ctx
from drilltutor.checking.spec import Advice, CheckSpec, Failure, collect
from drilltutor.checking.trace import one_line, trimmed
from drilltutor.results import ADVICE, FAILED, PASSED, SKIPPED, CheckResult

_write, _dumps, _exit = os.write, json.dumps, os._exit


class Channel:
    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.lock = threading.Lock()

    def send(self, event: str, **data: Any) -> None:
        line = (_dumps({"event": event, **data}) + "\n").encode()
        with self.lock:
            while line:
                line = line[_write(self.fd, line) :]


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


class _Tee:
    """Keeps what the learner's file prints (up to a cap) and still passes it to the real stdout."""

    def __init__(self, stream: Any, cap: int) -> None:
        self.stream, self.cap, self.parts, self.size = stream, cap, [], 0

    def write(self, text: str) -> int:
        if self.size < self.cap:
            self.parts.append(text[: self.cap - self.size])
            self.size += len(text)
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
        return "".join(self.parts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def load_learner(path: Path, mode: str) -> dict[str, Any]:
    """Run the learner's file: as a script (`__main__`) or imported as a module."""
    code = compile(path.read_bytes(), str(path), "exec")
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


def _problem_for(exc: BaseException, path: Path, mode: str) -> tuple[str, str, str]:
    doing = "running" if mode == "script" else "importing"
    if isinstance(exc, SyntaxError):
        where = f" (line {exc.lineno})" if exc.lineno else ""
        return "syntax", f"{path.name} has a syntax error{where}: {exc.msg}", trimmed(exc, str(path))
    if isinstance(exc, SystemExit):
        return "exit", f"{path.name} called sys.exit({exc.code!r}) while {doing}; remove it, the checks need the file to finish.", ""
    if isinstance(exc, MemoryError):
        return "memory", f"{path.name} ran out of memory while {doing} (the run is limited); look for a list or string that grows without end.", trimmed(exc, str(path))
    if isinstance(exc, RecursionError):
        return "crash", f"{path.name} recursed without end while {doing}: {one_line(exc)}", trimmed(exc, str(path))
    if isinstance(exc, (ImportError, ModuleNotFoundError)):
        return "import", f"{path.name} could not import something: {one_line(exc)}", trimmed(exc, str(path))
    return "crash", f"{path.name} raised an error while {doing}: {one_line(exc)}", trimmed(exc, str(path))


def run_checks(specs: list[CheckSpec], ctx: Ctx, channel: Channel) -> None:
    status: dict[str, str] = {}
    hung: str | None = None
    for spec in specs:
        channel.send("check-start", id=spec.id)
        unmet = [need for need in spec.needs if status.get(need) not in (PASSED, ADVICE)]
        if hung is not None:
            result = CheckResult(spec.id, spec.title, SKIPPED, got=f"not run: your app stopped answering during {hung}")
        elif unmet:
            result = CheckResult(spec.id, spec.title, SKIPPED, got=f"not run: it needs {', '.join(unmet)} to pass first")
        else:
            result = _run_one(spec, ctx)
            if result.status == FAILED and result.got.startswith("no answer within"):
                hung = spec.id
        status[spec.id] = result.status
        channel.send("check", result=asdict(result))


def _run_one(spec: CheckSpec, ctx: Ctx) -> CheckResult:
    from_checks: Callable[..., CheckResult] = lambda st, **kw: CheckResult(spec.id, spec.title, st, **kw)
    try:
        spec.func(ctx)
    except Failure as f:
        return from_checks(FAILED, sent=f.sent, got=f.got, expected=f.expected, fix=f.fix, detail=f.detail)
    except Advice as a:
        return from_checks(ADVICE, got=a.got, fix=a.fix)
    except MemoryError:
        return from_checks(FAILED, got="your code ran out of memory during this check", fix="look for a list or string that grows without end")
    except Exception as exc:
        from drilltutor.checking.http import AppHung

        if isinstance(exc, AppHung):
            return from_checks(
                FAILED,
                sent=exc.sent,
                got=f"no answer within {exc.seconds:g} s",
                expected="an answer",
                fix="look for an endless loop or a blocking call (time.sleep, input()) in that route or its dependencies",
            )
        detail = trimmed(exc, str(ctx.file))
        return from_checks(
            FAILED,
            got=f"the check stopped with {one_line(exc)}",
            expected="the check to run to the end",
            fix="read the traceback; it usually means a name in your file is not the kind of object the drill asks for",
            detail=detail,
        )
    return from_checks(PASSED)


def _start_app(ctx: Ctx) -> tuple[str, str] | None:
    """Run the app's startup before any request, as a server would; a problem if it fails."""
    from drilltutor.checking.http import AppHung

    try:
        ctx.in_process()
    except AppHung as exc:
        return f"Your app's startup did not finish within {exc.seconds:g} s; look for a blocking call in your lifespan or startup handler.", ""
    except Failure as f:
        return f"{f.got}: {f.expected}", f.detail
    except Exception as exc:
        return f"Your app's startup raised {one_line(exc)}", trimmed(exc, str(ctx.file))
    return None


def load_checks(paths: list[str]) -> list[CheckSpec]:
    """Checks of a drill and of the drills it extends; a later check with the same id replaces the earlier."""
    by_id: dict[str, CheckSpec] = {}
    for index, path in enumerate(paths):
        module = types.ModuleType(f"drilltutor_checks_{index}")
        module.__file__ = path
        sys.modules[module.__name__] = module
        exec(compile(Path(path).read_text(encoding="utf-8"), path, "exec"), module.__dict__)
        for spec in collect(module.__dict__):
            by_id[spec.id] = spec
    return list(by_id.values())


def main(spec: dict[str, Any]) -> None:
    channel = Channel(spec["channel_fd"])
    path = Path(spec["file"])
    sys.argv = [str(path)]
    counter = BcryptCounter()
    specs = load_checks(spec["checks"])
    channel.send("plan", checks=[{"id": s.id, "title": s.title} for s in specs])
    if spec["mode"] == "module":
        import drilltutor.checking.http  # noqa: F401  (httpx is bound before the learner's code can patch it)
    tee = _Tee(sys.stdout, spec["output_cap"])
    sys.stdout = tee
    channel.send("phase", name="load")
    try:
        namespace = load_learner(path, spec["mode"])
    except BaseException as exc:  # whatever the learner's file does, it becomes a verdict
        kind, message, detail = _problem_for(exc, path, spec["mode"])
        channel.send("problem", kind=kind, message=message, detail=detail)
        channel.send("done", bcrypt_ops=counter.ops)
        tee.flush()
        _exit(0)
    ctx = Ctx(
        file=path,
        namespace=namespace,
        output=tee.text(),
        secret=spec["secret"],
        request_timeout=spec["request_timeout"],
        env=dict(os.environ),
    )
    if spec["mode"] == "module" and "app" in namespace:
        startup = _start_app(ctx)
        if startup is not None:
            channel.send("problem", kind="startup", message=startup[0], detail=startup[1])
            channel.send("done", bcrypt_ops=counter.ops)
            _exit(0)
    channel.send("phase", name="checks")
    run_checks(specs, ctx, channel)
    ctx.close()
    channel.send("done", bcrypt_ops=counter.ops)
    tee.flush()
    _exit(0)  # the learner's threads or atexit hooks must not keep the process alive


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
