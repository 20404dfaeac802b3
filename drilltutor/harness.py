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
import signal
import sys
import threading
import traceback
import types
from collections import deque
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

from drilltutor.checking.context import Ctx
from drilltutor.checking.spec import Advice, CheckSpec, Crash, CrashExplainer, Failure, collect, collect_crash_explainers
from drilltutor.checking.trace import one_line, trimmed
from drilltutor.results import ADVICE, FAILED, PASSED, SKIPPED, CheckResult

_write, _dumps, _exit = os.write, json.dumps, os._exit
_read, _killpg, _getpgrp, _getpid = os.read, os.killpg, os.getpgrp, os.getpid


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
    """Keeps what the learner's file prints and still passes it to the real stdout.

    It keeps the first and the last `cap` characters, so a flood of output neither costs
    memory nor hides what the file printed at the end.
    """

    def __init__(self, stream: Any, cap: int) -> None:
        self.stream, self.cap, self.parts, self.size = stream, cap, [], 0
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


def _problem_for(exc: BaseException, path: Path, mode: str) -> tuple[str, str, str]:
    doing = "running" if mode == "script" else "importing"
    if isinstance(exc, SyntaxError):
        where = f" (line {exc.lineno})" if exc.lineno else ""
        if "codec can't decode" in str(exc.msg):
            return "encoding", f"{path.name} is not saved as UTF-8{where}: {exc.msg}. Save it as UTF-8 in your editor.", ""
        return "syntax", f"{path.name} has a syntax error{where}: {exc.msg}", trimmed(exc, str(path))
    if isinstance(exc, SystemExit):
        return "exit", f"{path.name} {_exit_words(exc)} while {doing}; remove it, the checks need the file to finish.", ""
    if isinstance(exc, EOFError):
        return "input", f"{path.name} waited for typed input while {doing} and got EOFError: the checks type nothing; remove the input() call.", trimmed(exc, str(path))
    if isinstance(exc, MemoryError):
        return "memory", f"{path.name} ran out of memory while {doing} (the run is limited); look for a list or string that grows without end.", trimmed(exc, str(path))
    if isinstance(exc, RecursionError):
        return "crash", f"{path.name} recursed without end while {doing}: {one_line(exc)}", trimmed(exc, str(path))
    if isinstance(exc, (ImportError, ModuleNotFoundError)):
        return "import", f"{path.name} could not import something: {one_line(exc)}", trimmed(exc, str(path))
    return "crash", f"{path.name} raised an error while {doing}: {one_line(exc)}", trimmed(exc, str(path))


def _exit_words(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "raised KeyboardInterrupt"
    code = getattr(exc, "code", None)
    return "called sys.exit() (or raised SystemExit)" if code is None else f"called sys.exit({code!r})"


def run_checks(specs: list[CheckSpec], ctx: Ctx, channel: Channel, stop_at_failure: bool = False, stop_once_failed: frozenset[str] = frozenset()) -> None:
    """Every check in order; the rest are skipped after the first failure (`stop_at_failure`),
    or once every check in `stop_once_failed` has failed."""
    status: dict[str, str] = {}
    hung: str | None = None
    failed: str | None = None  # the first failed check, when the rest are skipped after it
    for spec in specs:
        channel.send("check-start", id=spec.id)
        unmet = [need for need in spec.needs if status.get(need) not in (PASSED, ADVICE)]
        if failed is not None:
            result = CheckResult(spec.id, spec.title, SKIPPED, got=f"not run: {failed} failed first")
        elif hung is not None:
            result = CheckResult(spec.id, spec.title, SKIPPED, got=f"not run: your app stopped answering during {hung}")
        elif unmet:
            result = CheckResult(spec.id, spec.title, SKIPPED, got=f"not run: it needs {', '.join(unmet)} to pass first")
        else:
            result = _run_one(spec, ctx)
            if result.status == FAILED and result.got.startswith("no answer within"):
                hung = spec.id
        status[spec.id] = result.status
        if result.status == FAILED and (stop_at_failure or stop_once_failed and all(status.get(c) == FAILED for c in stop_once_failed)):
            failed = spec.id
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
    except (SystemExit, KeyboardInterrupt) as exc:  # the learner's code tried to end the process mid-check
        return from_checks(
            FAILED,
            got=f"your code {_exit_words(exc)} during this check",
            expected="an answer",
            fix="do not end the program from code the checks call; raise an exception or return an error response instead",
            detail=trimmed(exc, str(ctx.file)),
        )
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
    except BaseException as exc:  # SystemExit too: a startup that ends the program is the learner's problem
        return f"Your app's startup raised {one_line(exc)}", trimmed(exc, str(ctx.file))
    return None


def load_checks(paths: list[str]) -> tuple[list[CheckSpec], list[CrashExplainer]]:
    """Checks of a drill and of the drills it extends; a later check with the same id replaces the earlier.

    Also their crash explainers, the drill's own first: they name a slip behind a file that crashed.
    """
    by_id: dict[str, CheckSpec] = {}
    explainers: list[CrashExplainer] = []
    for index, path in enumerate(paths):
        module = types.ModuleType(f"drilltutor_checks_{index}")
        module.__file__ = path
        sys.modules[module.__name__] = module
        exec(compile(Path(path).read_text(encoding="utf-8"), path, "exec"), module.__dict__)
        for spec in collect(module.__dict__):
            by_id[spec.id] = spec
        explainers[:0] = collect_crash_explainers(module.__dict__)
    return list(by_id.values()), explainers


def _explained(message: str, explainers: list[CrashExplainer], crash: Crash) -> str:
    """The crash message with the first slip a drill's explainer names; an explainer that fails adds nothing."""
    for explain in explainers:
        try:
            fix = explain(crash)
        except Exception:  # noqa: S112  (a broken explainer must not hide the learner's own error)
            continue
        if fix:
            message = message.rstrip()
            return f"{message}{'' if message.endswith(('.', '!', '?')) else '.'} {fix}"
    return message


def watch_lifeline(fd: int) -> None:
    """The runner holds the pipe's other end. When the runner ends in any way (kill -9, a
    closed terminal) the pipe reads as ended, and this run stops with everything it started."""

    def watch() -> None:
        try:
            while _read(fd, 64):
                pass
        except OSError:  # the learner's code closed it: nothing left to watch
            return
        if _getpgrp() == _getpid():  # a group of its own, as the runner starts it
            _killpg(_getpid(), signal.SIGKILL)
        _exit(1)

    threading.Thread(target=watch, name="drilltutor-lifeline", daemon=True).start()


def main(spec: dict[str, Any]) -> None:
    channel = Channel(spec["channel_fd"])
    if spec.get("lifeline_fd") is not None:
        watch_lifeline(spec["lifeline_fd"])
    reserve = bytearray(4 * 1024 * 1024)  # freed when memory runs out, so the verdict can still be sent
    try:
        _main(spec, channel, reserve)
    except BaseException as exc:  # never a traceback of drilltutor's own: this too becomes a verdict
        del reserve[:]
        where = next(reversed(traceback.extract_tb(exc.__traceback__)), None)
        at = f" (at {Path(where.filename).name}:{where.lineno})" if where else ""
        try:
            channel.send(
                "problem",
                kind="internal",
                message=f"The checks could not finish: {one_line(exc)}{at}. If your file changes Python's own "
                "modules or drilltutor's (monkeypatching), remove that; otherwise please report it.",
            )
            channel.send("done", bcrypt_ops=0)
        except BaseException:  # noqa: S110  (the channel itself is gone; the runner reports how the process ended)
            pass
    _exit(0)  # the learner's threads or atexit hooks must not keep the process alive


def _main(spec: dict[str, Any], channel: Channel, reserve: bytearray) -> None:
    path = Path(spec["file"])
    sys.argv = [str(path)]
    counter = BcryptCounter()
    specs, explainers = load_checks(spec["checks"])
    channel.send("plan", checks=[{"id": s.id, "title": s.title} for s in specs])
    if spec["mode"] == "module":
        import drilltutor.checking.http  # noqa: F401  (httpx is bound before the learner's code can patch it)
    tee = _Tee(sys.stdout, spec["output_cap"])
    sys.stdout = tee
    source = path.read_bytes()  # before the learner's code runs: it may delete or rewrite its own file
    channel.send("phase", name="load")
    try:
        namespace = load_learner(path, spec["mode"], source)
    except BaseException as exc:  # whatever the learner's file does, it becomes a verdict
        if isinstance(exc, MemoryError):
            del reserve[:]
        kind, message, detail = _problem_for(exc, path, spec["mode"])
        if kind == "crash":
            message = _explained(message, explainers, Crash(exc, source.decode("utf-8", "replace"), str(path)))
        channel.send("problem", kind=kind, message=message, detail=detail)
        channel.send("done", bcrypt_ops=counter.ops)
        tee.flush()
        return
    ctx = Ctx(
        file=path,
        source=source.decode("utf-8", "replace"),
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
            return
    channel.send("phase", name="checks")
    run_checks(specs, ctx, channel, bool(spec.get("stop_at_failure")), frozenset(spec.get("stop_once_failed", ())))
    ctx.close()
    channel.send("done", bcrypt_ops=counter.ops)
    tee.flush()


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
