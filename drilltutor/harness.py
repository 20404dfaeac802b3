"""The judge: the run's top process. It runs the hidden checks; it never runs the learner's file.

Only the runner starts it, through the run's keeper (`drilltutor.platform.keeper`, which
calls `entry`) or the warm runner's zygote (which calls `main`), and hands it its job as one
message (`protocol.JudgeJob`) on stdin: at once for a cold run, or later for a worker started
ahead of its job (`--preload`, a zygote's fork). A worker started ahead starts its agent
ahead too (`agent_ahead`). It connects the verdict channel (`drilltutor.channel`) first, then
starts the agent (`drilltutor.agent`), the process that runs the learner's file, unless one
waits already: forked from itself where fork is safe, with every descriptor but a private
link closed, else a fresh Python that reaches the judge through a link of its own. The checks
reach the learner's code only through that link, as data. Results travel as messages on the
verdict channel, which only this process holds; learner output goes to the real stdout,
which the runner caps.

It limits the size of the files it writes (inherited by what it starts), and stops
everything below it before it ends, and when the runner's end of the channel closes (the
lifeline). Those are courtesies that make a run end fast: what holds the run is outside
this process and the agent, where the learner's code cannot switch it off (the keeper, the
zygote, a Job object).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import traceback
import types
from concurrent.futures import Future
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Callable

from drilltutor import launcher, platform, protocol
from drilltutor.channel import Outbox
from drilltutor.checking import replay
from drilltutor.checking.compiled import code_of
from drilltutor.checking.context import Ctx
from drilltutor.checking.remote import AgentGone, LearnerError, Link
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
from drilltutor.checking import workfactor
from drilltutor.checking.trace import one_line, trimmed
from drilltutor.learner import adopt, end_stdin, preload
from drilltutor.limits import FILE_SIZE_LIMIT, TOO_LARGE, TOO_LARGE_FIX, Reserve
from drilltutor.protocol import AgentAddress, AgentJob, JudgeJob
from drilltutor.results import ADVICE, FAILED, PASSED, SKIPPED, CheckResult

_exit = os._exit
GARBLED = (
    "Something in your file wrote over the link between the checks and your code (a file descriptor or socket it did "
    "not open), so the checks could not finish; remove whatever writes to descriptors or sockets your file did not open."
)
_POLL = 0.05  # seconds between looks at whether a spawned agent still lives while it connects
_AGENT_GRACE = 2.0  # seconds an agent whose link broke gets to end before it is stopped


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
    except LearnerError as exc:
        return _learner_raised(exc, from_checks)
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
        return _stopped(from_checks, one_line(exc), trimmed(exc, str(ctx.file)))
    return from_checks(PASSED)


def _learner_raised(exc: LearnerError, from_checks: Callable[..., CheckResult]) -> CheckResult:
    """A check ended by what the learner's code raised in the agent, told from its record."""
    record = exc.record
    if record.kind == "memory":
        return from_checks(FAILED, got="your code ran out of memory during this check", fix="look for a list or string that grows without end")
    if record.kind == "file-size":
        return from_checks(FAILED, got=f"your code {TOO_LARGE} during this check", fix=TOO_LARGE_FIX, detail=record.detail)
    if record.kind == "exit":  # the learner's code tried to end the process mid-check
        return from_checks(
            FAILED,
            got=f"your code {record.words} during this check",
            expected="an answer",
            fix="do not end the program from code the checks call; raise an exception or return an error response instead",
            detail=record.detail,
        )
    return _stopped(from_checks, record.line, record.detail)


def _stopped(from_checks: Callable[..., CheckResult], line: str, detail: str) -> CheckResult:
    return from_checks(
        FAILED,
        got=f"the check stopped with {line}",
        expected="the check to run to the end",
        fix="read the traceback; it usually means a name in your file is not the kind of object the drill asks for",
        detail=detail,
    )


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
        exec(code_of(path), module.__dict__)
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


def _limit_files() -> None:
    platform.limit_file_size(FILE_SIZE_LIMIT)  # inherited by the agent and whatever it starts


def _stop_everything_and_exit(code: int) -> None:
    platform.stop_descendants()
    _exit(code)


# The agent ------------------------------------------------------------------------------


class AgentProcess:
    """The process that runs the learner's file, and the judge's link to it."""

    def __init__(self, link: Link, pid: int, proc: subprocess.Popen[bytes] | None) -> None:
        self.link, self.pid, self.proc = link, pid, proc
        self._status: int | None = None  # once reaped

    def end(self) -> None:
        """End the agent: it leaves when its link closes (stopped after a grace if it does not),
        so a run that left nothing else running ends without a walk of the process table."""
        self.link.close()
        self.exit_status()

    def exit_status(self) -> int:
        """How the agent ended (negative: killed by that signal); stopped first if it is still running."""
        if self._status is None:
            self._status = self._reaped()
        return self._status

    def _reaped(self) -> int:
        if self.proc is not None:
            try:
                return self.proc.wait(_AGENT_GRACE)
            except subprocess.TimeoutExpired:
                platform.stop_tree(self.pid)
                return self.proc.wait()
        if not platform.family().wait_child(self.pid, timeout=_AGENT_GRACE):  # forked: fork is Linux's here
            platform.stop_tree(self.pid)
        return os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])


def fork_agent() -> AgentProcess:
    """The agent as a fork of this process: the libraries this process imported come warm."""
    from drilltutor import agent

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = platform.family().fork()
    if pid == 0:
        ours.close()
        agent.become_forked(theirs)  # never returns
    theirs.close()
    platform.keep_out_debuggers()  # after the fork: the agent stays an ordinary process, its own children too
    return AgentProcess(Link(ours), pid, None)


def spawn_agent(preloaded: list[str]) -> AgentProcess:
    """The agent as a fresh Python (no safe fork here); it connects to a link of its own, never the channel."""
    listener = socket.create_server(("127.0.0.1", 0))
    token = secrets.token_hex(16)
    proc = launcher.python("drilltutor.agent", *(["--preload", *preloaded] if preloaded else []), stdin=subprocess.PIPE)
    assert proc.stdin is not None
    try:
        protocol.write(proc.stdin, asdict(AgentAddress(listener.getsockname()[1], token)))
        proc.stdin.close()
    except OSError:  # it ended at once: the wait below finds out
        pass
    platform.keep_out_debuggers()
    listener.settimeout(_POLL)
    try:
        conn = _accept_agent(listener, token, proc)
    finally:
        listener.close()
    return AgentProcess(Link(conn), proc.pid, proc)


def _accept_agent(listener: socket.socket, token: str, proc: subprocess.Popen[bytes]) -> socket.socket:
    """The agent's connection, the one that opens with the token; an agent that ended first is an AgentGone."""
    while True:
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            if proc.poll() is not None:
                raise AgentGone() from None
            continue
        conn.settimeout(None)
        try:
            said = protocol.receive(conn)
        except (protocol.LinkClosed, OSError):
            said = {}
        if said.get("token") == token:
            return conn
        conn.close()  # not our agent


def _agent_job(job: JudgeJob, adopting: bool) -> AgentJob:
    return AgentJob(
        file=job.file,
        mode=job.mode,
        output_cap=job.output_cap,
        request_timeout=job.request_timeout,
        memory_limit=job.memory_limit,
        bcrypt_cost=job.bcrypt_cost or 0,
        env=dict(os.environ) if adopting else None,
        cwd=os.getcwd() if adopting else None,
    )


# The run --------------------------------------------------------------------------------


def main(job: JudgeJob, spare: AgentProcess | None = None) -> None:
    """Run `job`; `spare`: an agent started ahead with this worker (`agent_ahead`)."""
    adopt(job.env, job.cwd)
    _limit_files()
    assert job.channel is not None
    channel = Outbox(job.channel)
    job.channel = None  # connected before any learner code exists; its address and token are dropped
    agent: AgentProcess | None = None
    reserve = Reserve()  # given up when memory runs out, so the verdict can still be sent
    try:
        enforced: bool | None = None
        if job.mode == "pytest":  # the checks run the learner's tests in processes of their own
            if spare is not None:
                spare.end()
            enforced = platform.limit_memory(job.memory_limit) if job.memory_limit else True
            platform.keep_out_debuggers()  # what the checks know (which folder holds which version) is not the tests' to read
        else:
            if job.mode == "module":
                import drilltutor.checking.http  # noqa: F401  (both sides use httpx: imported once, before the fork)
            agent = spare if spare is not None else fork_agent() if platform.can_fork() else spawn_agent([])
            agent.link.send(asdict(_agent_job(job, adopting=agent is spare)))  # it says its limits while the checks load
        channel.on_close(lambda: _stop_everything_and_exit(1))
        if enforced is not None:
            channel.send("limits", memory=enforced)
        _main(job, channel, agent)
    except AgentGone as gone:  # the learner's process ended or broke the link: that is the verdict
        if agent is None:
            channel.send("problem", kind="internal", message="The process that runs your file could not start; please report it.")
            channel.send("done", bcrypt_ops=0)
        elif gone.garbled:
            channel.send("problem", kind="incomplete", message=GARBLED)
            channel.send("done", bcrypt_ops=0)
        else:
            channel.send("agent-ended", returncode=agent.exit_status())
    except BaseException as exc:  # never a traceback of drilltutor's own: this too becomes a verdict
        reserve.release()
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
    # Nothing the learner's code started outlives the run.
    if agent is not None:
        agent.end()
    _stop_everything_and_exit(0)


def _main(job: JudgeJob, channel: Outbox, agent: AgentProcess | None) -> None:
    path = Path(job.file)
    source = path.read_bytes()  # before the learner's code runs: it may delete or rewrite its own file
    channel.send("phase", name="load")
    loading: Future[dict[str, Any]] = agent.link.ask_later("load") if agent is not None else _loaded()
    if job.replay_seed:  # before the checks load: they draw their inputs as they load (in the judge)
        replay.start(job.replay_seed, job.secret, os.getcwd())
    if job.bcrypt_cost:  # the agent makes hashes at this cost; a check that reads a hash's cost must know
        workfactor.lowered_to = job.bcrypt_cost
    specs, explainers, failure_explainers = load_checks(job.checks)  # while the agent loads the learner's file
    if agent is not None:
        channel.send("limits", memory=bool(agent.link.greeting().get("memory", True)))
    channel.send("plan", checks=[{"id": s.id, "title": s.title} for s in specs])
    loaded = Link.wait(loading)
    bcrypt_ops = (lambda: int(agent.link.value("bcrypt_ops"))) if agent is not None else (lambda: 0)
    if "problem" in loaded:
        problem = loaded["problem"]
        if problem["kind"] == "crash" and "crash" in loaded:
            crash = Crash(**{**loaded["crash"], "bases": tuple(loaded["crash"]["bases"]), "lines": tuple(loaded["crash"]["lines"])}, source=source.decode("utf-8", "replace"), file=str(path))
            problem = {**problem, "message": _explained(problem["message"], explainers, crash)}
        channel.send("problem", kind=problem["kind"], message=problem["message"], detail=problem["detail"])
        channel.send("done", bcrypt_ops=bcrypt_ops())
        return
    ctx = Ctx(
        file=path,
        source=source.decode("utf-8", "replace").replace("\r\n", "\n"),  # a file saved on Windows reads as any other
        link=agent.link if agent is not None else None,
        output=agent.link.value("output") if agent is not None else "",
        secret=job.secret,
        request_timeout=job.request_timeout,
        env=dict(os.environ),
    )
    channel.send("phase", name="checks")
    replay.record("output", "", ctx.output)
    run_checks(specs, ctx, channel, job.stop_at_failure, frozenset(job.stop_once_failed), failure_explainers)
    if agent is not None:
        ctx.close()
    transcript = replay.finish()
    if transcript is not None:
        channel.send("transcript", entries=transcript)
    channel.send("done", bcrypt_ops=bcrypt_ops())


def _loaded() -> Future[dict[str, Any]]:
    done: Future[dict[str, Any]] = Future()
    done.set_result({"loaded": True})
    return done


def _job() -> JudgeJob:
    """The one message on stdin; stdin then reads as ended, as the learner's input() must see it
    (the runner keeps its end open for the whole run: it is the keeper's lifeline)."""
    job = protocol.read(sys.stdin.buffer)
    if job is None:
        _exit(0)  # the runner closed before giving a job: it no longer needs this worker
    end_stdin()
    return JudgeJob(**job)


def agent_ahead(preloaded: list[str]) -> AgentProcess | None:
    """The agent of a worker started ahead of its job, started ahead too: forked (warm with what
    this process imported), or a fresh Python importing `preloaded`; None if it could not start
    (the run starts one of its own). It knows nothing of the run until the judge sends its job."""
    _limit_files()
    try:
        return fork_agent() if platform.can_fork() else spawn_agent(preloaded)
    except (AgentGone, OSError):
        return None


def entry(argv: list[str]) -> None:
    """The judge as a run's top process starts it (the keeper's child): `[--preload MODULE...]`, then the job on stdin."""
    ahead: AgentProcess | None = None
    if argv[:1] == ["--preload"]:
        preload(argv[1:])
        ahead = agent_ahead(argv[1:])
    main(_job(), ahead)


if __name__ == "__main__":
    entry(sys.argv[1:])
