"""The keeper: a run's top process, holding the run from outside the learner's code.

The runner starts `python -m drilltutor.platform.keeper` as a run's top process. On POSIX it
forks before it imports anything more: the child becomes the harness, the judge (the checks),
which starts the agent (the learner's code) below it; the keeper stays their parent and
never runs learner code. So nothing the
learner's code switches off in its own process (the subreaper flag, the harness's lifeline
thread, by patching it or by holding the interpreter lock) reaches what holds the run:

- on Linux the keeper is the child subreaper: whatever double-forks or calls `setsid` is
  re-parented to it, so it stays below the run's top process, where the runner's stop finds it;
- it hands the child its job (one message) and then reads its own stdin to the end. The runner keeps
  that pipe open for the whole run, so its end means the run is over or drilltutor is gone,
  however it went (kill -9 included): the keeper then stops every process below it, and on
  Linux every one carrying the run's mark, and exits;
- when the child ends, the keeper stops what it left (its adopted orphans) and exits as the
  child did: the same exit status, or the same signal, which is what the runner reports.

The learner's code runs as the keeper's user, so it could still signal the keeper itself; run
as root under `grade` (`--as UID:GID`), the keeper stays root and only its child drops to the
unprivileged user before any learner code runs, so that code can neither signal the keeper nor
outlast it. The child is the judge, so the judge drops too and the agent it starts inherits
the unprivileged user: the agent could still signal the judge (as when not graded as root),
which only ends the run early, never with a verdict of the learner's making.

Where there is no fork (Windows), this process simply becomes the harness: the runner holds
the run with a Job object that kills it all when its handle closes (`platform.windows.hold`).
"""

from __future__ import annotations

import os
import sys


def _become_harness(argv: list[str]) -> None:
    from drilltutor import harness

    harness.entry(argv)


def _keep(child: int, job_in: int) -> None:
    """Forward the job (one message) from stdin to the child, then wait for the child's end or stdin's."""
    import select
    import threading

    from drilltutor.protocol import frame_end

    ended_r, ended_w = os.pipe()
    status: list[int] = []

    def reap() -> None:  # a thread, as waitpid cannot be selected on everywhere (pidfds are Linux's)
        status.append(os.waitpid(child, 0)[1])
        os.write(ended_w, b"x")

    threading.Thread(target=reap, daemon=True).start()
    job = b""
    while True:
        ready = select.select([0, ended_r], [], [])[0]
        if ended_r in ready:
            _ended(child, status[0])
        data = os.read(0, 65536)
        if not data:
            break  # the run is over, or drilltutor is gone
        if job_in >= 0:
            job += data
            end = frame_end(job)
            if end is not None:
                try:
                    _write_all(job_in, job[:end])
                except OSError:  # the child already ended: how it ended is the verdict
                    pass
                os.close(job_in)  # the child's stdin then reads as ended, as the learner's input() must see it
                job_in = -1
    _let_go(child)


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data) :]


def _ended(child: int, status: int) -> None:
    """The child ended: stop what it left (orphans came to the keeper), and end as it did."""
    from drilltutor import platform

    platform.stop_descendants()
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        platform.family().end_by_signal(-code)
    os._exit(code)


def _let_go(child: int) -> None:
    """The runner closed its end: stop the whole run, whatever it is doing."""
    from drilltutor import platform

    platform.stop_descendants()
    mark = os.environ.get(platform.RUN_MARK)
    if mark:  # a cold run's keeper carries the run's mark (a spare one's job comes later, and on Linux the subreaper holds)
        platform.stop_marked((mark,))
    os._exit(0)


def _drop_to(account: str | None) -> None:
    """Become the unprivileged `UID:GID` (a graded run as root); nothing for None."""
    if account is None:
        return
    uid, gid = (int(part) for part in account.split(":"))
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)


def _account(argv: list[str]) -> tuple[str | None, list[str]]:
    """`--as UID:GID` taken out of the arguments; the rest are the harness's."""
    if argv[:1] == ["--as"]:
        return argv[1], argv[2:]
    return None, argv


def main(argv: list[str]) -> None:
    from drilltutor import platform

    account, argv = _account(argv)
    if not platform.can_keep():
        _drop_to(account)
        _become_harness(argv)
        return
    platform.take_orphans()
    job_out, job_in = os.pipe()
    child = os.fork()
    if child == 0:
        os.dup2(job_out, 0)
        os.close(job_out)
        os.close(job_in)
        _drop_to(account)
        _become_harness(argv)
        os._exit(70)  # the harness ends the process itself
    os.close(job_out)
    _keep(child, job_in)


if __name__ == "__main__":
    main(sys.argv[1:])
