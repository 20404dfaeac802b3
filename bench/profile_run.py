"""Where the time of one `drilltutor run` goes: a timeline of the parent and the child, and the child's imports.

    python bench/profile_run.py            # drill-4 on its reference solution
    python bench/profile_run.py drill-1 [FILE]

It runs the real command in this process (drilltutor.cli.main), with clocks on the
points that matter: the imports, the spawn of the check process, each event the child
sends on its result channel, the child's end, and the printed verdict. Then it breaks
the child's imports down with `python -X importtime`. Plain Python, public tools only.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

T0 = time.perf_counter()
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
marks: list[tuple[float, str]] = []


def mark(what: str) -> None:
    marks.append((time.perf_counter(), what))


def python_startup() -> float:
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        runs.append(time.perf_counter() - started)
    return sorted(runs)[2]


def child_imports(modules: list[str]) -> list[tuple[str, float]]:
    """Cumulative import time of each module, in a fresh interpreter, in the order the child imports them."""
    code = "; ".join(f"import {m}" for m in modules)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRILLTUTOR_")}
    env["SECRET_KEY"] = "x" * 64
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, env=env, check=True)
    totals = {}
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split(":", 1)[1].split("|")
            if name.strip() in modules and not name.startswith("  "):
                totals[name.strip()] = int(cumulative) / 1e6
    return [(m, totals.get(m, 0.0)) for m in modules]


def main() -> None:
    drill = sys.argv[1] if len(sys.argv) > 1 else "drill-4"
    home = tempfile.mkdtemp(prefix="drilltutor-profile-")
    os.environ["DRILLTUTOR_HOME"] = home
    mark("parent: profile script running (the interpreter started before this)")
    import drilltutor.cli as cli

    mark("parent: drilltutor.cli imported (typer, rich, drilltutor's renderer)")
    from drilltutor import runner
    from drilltutor.catalogue import load_catalogue
    from drilltutor.paths import drills_dir

    chosen = load_catalogue(drills_dir()).find(drill)
    file = sys.argv[2] if len(sys.argv) > 2 else str(chosen.solution_path)

    real_popen, real_take, real_wait = subprocess.Popen, runner._Events.take, runner.stop_run

    class Popen(real_popen):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            mark("parent: spawning the check process")
            super().__init__(*args, **kwargs)

    def take(self, event):  # type: ignore[no-untyped-def]
        name = event.get("event")
        if name in ("plan", "phase", "done"):
            mark(f"child:  {name} {event.get('name', '')}".rstrip()
                 + {"plan": " (harness and the drill's checks.py imported)", "load": " (learner file next)", "checks": " (learner file loaded, app started)", "done": ""}.get(event.get("name", name), ""))
        elif name == "check":
            mark(f"child:  check {event['result']['id']} {event['result']['status']}")
        return real_take(self, event)

    def wait(proc, marks, spare=()):  # type: ignore[no-untyped-def]
        result = real_wait(proc, marks, spare)
        mark("parent: check process ended, its tree stopped and reaped")
        return result

    subprocess.Popen, runner._Events.take, runner.stop_run = Popen, take, wait  # type: ignore[misc]
    sys.argv = ["drilltutor", "run", drill, file]
    out = io.StringIO()
    try:
        with redirect_stdout(out):
            cli.main()
    except SystemExit as exc:
        code = exc.code
    mark(f"parent: verdict printed and progress saved (exit {code})")
    subprocess.Popen, runner._Events.take, runner.stop_run = real_popen, real_take, real_wait

    startup = python_startup()
    print(f"One `drilltutor run {drill}` ({Path(file).name}), in ms from the start of the parent's Python code.")
    print(f"Add ~{startup * 1000:.0f} ms of interpreter start-up before 0 (`python -c pass` on this machine).\n")
    last = T0
    for at, what in marks:
        print(f"{(at - T0) * 1000:7.0f}  (+{(at - last) * 1000:4.0f})  {what}")
        last = at
    print("\nThe child's own imports, each in a fresh interpreter after the ones above it (python -X importtime, cumulative ms):")
    modules = ["drilltutor.harness", "drilltutor.checking.http", "fastapi", "fastapi.security", "jose.jwt"]
    if chosen.mode == "script":
        modules = ["drilltutor.harness", "passlib.context", "jose.jwt"]
    for module, seconds in child_imports(modules):
        print(f"  {seconds * 1000:6.0f}  {module}")
    print("\nhttpx imports its command-line client (rich, click, pygments) whenever those are installed,")
    print("so the check process pays for them too; a learner's pytest pays the same.")


if __name__ == "__main__":
    main()
