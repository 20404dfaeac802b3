"""The run's top process: it loads the learner's file and runs the hidden checks.

Only the runner starts it, through the run's keeper (`drilltutor.platform.keeper`, which
calls `entry`) or the warm runner's zygote (which calls `main`), and hands it its job as one
JSON line on stdin: at once for a cold run, or later for a worker started ahead of its
job (`--preload`, the warm runner where it cannot fork). Results travel as JSON lines on
the verdict channel (`drilltutor.channel`), never on stdout, so nothing the learner
prints can pose as a verdict. Learner output goes to the real stdout, which the runner caps.

It limits its own memory and the size of the files it writes (both inherited by what it
starts), and stops everything below it before it ends, and when the runner's end of the
channel closes. Those are courtesies that make a run end fast: what holds the run is
outside this process, where the learner's code cannot switch it off (the keeper, the
zygote, a Job object).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
import types
from collections import deque
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Callable

from drilltutor import platform
from drilltutor.channel import Outbox
from drilltutor.checking import replay
from drilltutor.checking.context import Ctx
from drilltutor.checking.spec import (
    Advice,
    CheckSpec,
    Crash,
    CrashExplainer,
    Failure,
    FailureExplainer,
    collect,
    collect_crash_explainers,
    collect_failure_explainers,
)
from drilltutor.checking.trace import one_line, trimmed
from drilltutor.checking.workfactor import lower_bcrypt_cost
from drilltutor.limits import FILE_SIZE_LIMIT, megabytes
from drilltutor.learner import exit_words, load_learner, problem_for
from drilltutor.results import ADVICE, FAILED, PASSED, SKIPPED, CheckResult

_exit = os._exit
_MEMORY_RESERVE = 4 * 1024 * 1024  # freed when memory runs out, so the verdict can still be sent


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


def run_checks(
    specs: list[CheckSpec],
    ctx: Ctx,
    channel: Outbox,
    stop_at_failure: bool = False,
    stop_once_failed: frozenset[str] = frozenset(),
    explainers: tuple[FailureExplainer, ...] = (),
) -> None:
    """Every check in order; the rest are skipped after the first failure (`stop_at_failure`),
    or once every check in `stop_once_failed` has failed. A failure a drill's explainer knows
    the slip behind is told with that slip (`explains_failure`)."""
    slips = _Slips(explainers, ctx)
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
            result = slips.named(_run_one(spec, ctx))
            if result.status == FAILED and result.got.startswith("no answer within"):
                hung = spec.id
        status[spec.id] = result.status
        if result.status == FAILED and (stop_at_failure or stop_once_failed and all(status.get(c) == FAILED for c in stop_once_failed)):
            failed = spec.id
        channel.send("check", result=asdict(result))


class _Slips:
    """Names the slip behind a failed check, once in full: the check that meets it again says so in a line."""

    def __init__(self, explainers: tuple[FailureExplainer, ...], ctx: Ctx) -> None:
        self.explainers, self.ctx = explainers, ctx
        self.said: dict[str, str] = {}  # slip -> the check that named it first

    def named(self, result: CheckResult) -> CheckResult:
        if result.status != FAILED or not self.explainers:
            return result
        failure = Failure(sent=result.sent, got=result.got, expected=result.expected, fix=result.fix, detail=result.detail)
        for explain in self.explainers:
            try:
                slip = explain(self.ctx, failure)
            except Exception:  # noqa: S112  (a broken explainer must not hide the failure itself)
                continue
            if not slip:
                continue
            first = self.said.setdefault(slip, result.id)
            if first != result.id:
                return replace(result, fix=f"the same slip as in {first}, above", detail="")
            return replace(result, fix=slip)
        return result


def _run_one(spec: CheckSpec, ctx: Ctx) -> CheckResult:
    from_checks: Callable[..., CheckResult] = lambda st, **kw: CheckResult(spec.id, spec.title, st, **kw)  # noqa: E731
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
            got=f"your code {exit_words(exc)} during this check",
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
                got=exc.words(),
                expected="an answer",
                fix="look for an endless loop or a blocking call (time.sleep, input()) in that route or its dependencies",
            )
        detail = trimmed(exc, str(ctx.file))
        if _too_large(exc):
            return from_checks(FAILED, got=f"your code {TOO_LARGE} during this check", fix=TOO_LARGE_FIX, detail=detail)
        return from_checks(
            FAILED,
            got=f"the check stopped with {one_line(exc)}",
            expected="the check to run to the end",
            fix="read the traceback; it usually means a name in your file is not the kind of object the drill asks for",
            detail=detail,
        )
    return from_checks(PASSED)


TOO_LARGE = f"wrote a file larger than {megabytes(FILE_SIZE_LIMIT)} (the most a run may write)"
TOO_LARGE_FIX = "Look for a loop that writes to a file without end; a drill's files are a few kilobytes."


def _too_large(exc: BaseException) -> bool:
    """The file-size limit refused a write (Python ignores SIGXFSZ, so the write raises EFBIG)."""
    import errno

    return isinstance(exc, OSError) and exc.errno == errno.EFBIG


def _start_app(ctx: Ctx) -> tuple[str, str] | None:
    """Run the app's startup before any request, as a server would; a problem if it fails."""
    from drilltutor.checking.http import AppHung

    try:
        ctx.in_process()
    except AppHung as exc:
        return f"Your app's startup got {exc.words()}; look for an endless loop or a blocking call in your lifespan or startup handler.", ""
    except Failure as f:
        return f"{f.got}: {f.expected}", f.detail
    except BaseException as exc:  # SystemExit too: a startup that ends the program is the learner's problem
        return f"Your app's startup raised {one_line(exc)}", trimmed(exc, str(ctx.file))
    return None


def load_checks(paths: list[str]) -> tuple[list[CheckSpec], list[CrashExplainer], tuple[FailureExplainer, ...]]:
    """Checks of a drill and of the drills it extends; a later check with the same id replaces the earlier.

    Also their crash explainers, the drill's own first: they name a slip behind a file that
    crashed; and their failure explainers, which name one behind a failed check (each once,
    though an extending drill's checks may name a kit's explainer again).
    """
    by_id: dict[str, CheckSpec] = {}
    explainers: list[CrashExplainer] = []
    on_failure: dict[int, FailureExplainer] = {}
    for index, path in enumerate(paths):
        module = types.ModuleType(f"drilltutor_checks_{index}")
        module.__file__ = path
        sys.modules[module.__name__] = module
        exec(compile(Path(path).read_text(encoding="utf-8"), path, "exec"), module.__dict__)
        for spec in collect(module.__dict__):
            by_id[spec.id] = spec
        explainers[:0] = collect_crash_explainers(module.__dict__)
        on_failure.update((id(f), f) for f in collect_failure_explainers(module.__dict__))
    return list(by_id.values()), list({id(e): e for e in explainers}.values()), tuple(on_failure.values())


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


def _stop_everything_and_exit(code: int) -> None:
    platform.stop_descendants()
    _exit(code)


def adopt(spec: dict[str, Any]) -> None:
    """Become the run that `spec` describes: a worker started ahead of its job was started
    with no run's environment, folder or secret yet."""
    if "env" in spec:
        os.environ.clear()
        os.environ.update(spec["env"])
    if "cwd" in spec:
        os.chdir(spec["cwd"])
        sys.path[0] = spec["cwd"]  # `python -m` put the folder it started in first


def main(spec: dict[str, Any]) -> None:
    adopt(spec)
    enforced = platform.limit_memory(int(spec["memory_limit"])) if spec.get("memory_limit") else True
    platform.limit_file_size(FILE_SIZE_LIMIT)
    channel = Outbox(spec["channel"])
    channel.on_close(lambda: _stop_everything_and_exit(1))
    channel.send("limits", memory=enforced)
    reserve = bytearray(_MEMORY_RESERVE)
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
    # Nothing the learner's code started outlives the run, and its threads or atexit hooks
    # must not keep the process alive.
    _stop_everything_and_exit(0)


def _main(spec: dict[str, Any], channel: Outbox, reserve: bytearray) -> None:
    path = Path(spec["file"])
    sys.argv = [str(path)]
    counter = BcryptCounter()
    if spec.get("bcrypt_cost"):
        lower_bcrypt_cost(int(spec["bcrypt_cost"]))
    if spec.get("replay_seed"):  # before the checks load: they draw their inputs as they load
        replay.start(spec["replay_seed"], spec["secret"], os.getcwd())
    specs, explainers, failure_explainers = load_checks(spec["checks"])
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
        kind, message, detail = problem_for(exc, path, spec["mode"])
        if _too_large(exc):
            kind, message = "file-size", f"{path.name} {TOO_LARGE} while {'running' if spec['mode'] == 'script' else 'importing'}. {TOO_LARGE_FIX}"
        elif kind == "crash":
            message = _explained(message, explainers, Crash(exc, source.decode("utf-8", "replace"), str(path)))
        channel.send("problem", kind=kind, message=message, detail=detail)
        channel.send("done", bcrypt_ops=counter.ops)
        tee.flush()
        return
    ctx = Ctx(
        file=path,
        source=source.decode("utf-8", "replace").replace("\r\n", "\n"),  # a file saved on Windows reads as any other
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
    replay.record("output", "", ctx.output)
    run_checks(specs, ctx, channel, bool(spec.get("stop_at_failure")), frozenset(spec.get("stop_once_failed", ())), failure_explainers)
    ctx.close()
    transcript = replay.finish()
    if transcript is not None:
        channel.send("transcript", entries=transcript)
    channel.send("done", bcrypt_ops=counter.ops)
    tee.flush()


def _preload(names: list[str]) -> None:
    """Import what runs will need, before the job comes (a worker started ahead of it)."""
    import importlib

    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: S112  (not installed or broken: the run imports it, or fails, as a cold run would)
            continue


def _job() -> dict[str, Any]:
    """The one JSON line on stdin; stdin then reads as ended, as the learner's input() must see it
    (the runner keeps its end open for the whole run: it is the keeper's lifeline)."""
    line = sys.stdin.buffer.readline()
    if not line:
        _exit(0)  # the runner closed before giving a job: it no longer needs this worker
    empty = os.open(os.devnull, os.O_RDONLY)
    os.dup2(empty, 0)
    os.close(empty)
    return json.loads(line)


def entry(argv: list[str]) -> None:
    """The harness as a run's top process starts it: `[--preload MODULE...]`, then the job on stdin."""
    if argv[:1] == ["--preload"]:
        _preload(argv[1:])
    main(_job())
