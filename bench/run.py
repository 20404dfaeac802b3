"""drilltutor's benchmark: every speed figure of issue 5, in one run, against its baseline.

    python bench/run.py                  # all figures, 7 alternating runs each
    python bench/run.py --runs 9 --only list,run
    python bench/run.py --drills-dir DIR # another catalogue (it needs a drill-4 for `run` and `watch`)

Each timed figure runs the command and its baseline alternately (A B A B ...), after one
untimed warm-up of each, and reports the median of each and their ratio against the goal.
Plain Python and public tools only: the installed `drilltutor` command, `python -m pytest`.
Every command runs with a fresh DRILLTUTOR_HOME and workspace in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import platform
import pty
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

FIGURES = ("list", "run", "dev", "dev-jobs", "watch", "bcrypt")
MIN_RUNS = 7
VERDICT = re.compile(r"All \d+ checks passed|\d+ of \d+ checks passed|Not checked")
PASS = re.compile(r"All \d+ checks passed")


@dataclass
class Figure:
    name: str
    ours: list[float] = field(default_factory=list)
    base: list[float] = field(default_factory=list)
    goal: float = 0.0
    higher_is_better: bool = False  # a speed-up (baseline / ours) rather than a ratio (ours / baseline)
    note: str = ""
    skipped: str = ""
    consistent: bool = True  # both sides gave the same result, where the figure compares results too

    @property
    def ratio(self) -> float:
        a, b = statistics.median(self.ours), statistics.median(self.base)
        return b / a if self.higher_is_better else a / b

    @property
    def met(self) -> bool:
        fast_enough = self.ratio >= self.goal if self.higher_is_better else self.ratio <= self.goal
        return fast_enough and self.consistent


class Bench:
    def __init__(self, runs: int, drills_dir: Path | None, verbose: bool) -> None:
        self.runs, self.verbose = runs, verbose
        self.tmp = Path(tempfile.mkdtemp(prefix="drilltutor-bench-"))
        self.workspace = self.tmp / "workspace"
        self.workspace.mkdir()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DRILLTUTOR_")}
        self.env["DRILLTUTOR_HOME"] = str(self.tmp / "home")
        self.env["COLUMNS"] = "100"
        if drills_dir is not None:
            self.env["DRILLTUTOR_DRILLS"] = str(drills_dir)
        script = Path(sys.executable).with_name("drilltutor")
        self.drilltutor = [str(script)] if script.is_file() else [sys.executable, "-m", "drilltutor"]
        from drilltutor.catalogue import load_catalogue
        from drilltutor.paths import bundled_drills_dir

        self.catalogue = load_catalogue(drills_dir or bundled_drills_dir())
        self.drill4 = next((d for d in self.catalogue.drills if d.id == "drill-4"), None)

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def compile_drilltutor(self) -> str:
        """Byte-compile drilltutor, as `pip install` does for an installed copy.

        The libraries it is measured against (typer, rich) were compiled when they were
        installed. A source checkout is not, and where PYTHONDONTWRITEBYTECODE is set (as it
        is on the bench machine) Python would compile drilltutor's modules again on every start.
        """
        import drilltutor

        package = Path(drilltutor.__file__).parent
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], env=env, check=True, capture_output=True)
        return f"drilltutor byte-compiled in {package}/__pycache__, as an install would be"

    # running and timing -------------------------------------------------------------
    def timed(self, cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None, ok: tuple[int, ...] = (0,)) -> float:
        return self.timed_output(cmd, env, cwd, ok)[0]

    def timed_output(self, cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None, ok: tuple[int, ...] = (0,)) -> tuple[float, str]:
        started = time.perf_counter()
        done = subprocess.run(cmd, env=env or self.env, cwd=cwd or self.workspace, capture_output=True, text=True)
        took = time.perf_counter() - started
        if done.returncode not in ok:
            raise SystemExit(f"bench: {' '.join(cmd)} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return took, done.stdout

    def alternate(self, figure: Figure, ours: Callable[[], float], base: Callable[[], float], warm_up: bool = True, times: int = 1) -> Figure:
        if warm_up:
            ours(), base()  # warm-up: the page cache, not the figure
        for _ in range(self.runs * times):
            figure.ours.append(ours())
            figure.base.append(base())
        if self.verbose:
            print(f"  {figure.name}: ours {_list(figure.ours)}; baseline {_list(figure.base)}", file=sys.stderr)
        return figure

    # the figures ----------------------------------------------------------------------
    def list_figure(self) -> Figure:
        figure = Figure("`drilltutor list` / `python -c \"import typer, rich.console, rich.table\"`", goal=1.3)
        return self.alternate(
            figure,
            lambda: self.timed([*self.drilltutor, "list"]),
            lambda: self.timed([sys.executable, "-c", "import typer, rich.console, rich.table"]),
            times=3,  # a tenth of a second each: three times the runs cost little and steady the median
        )

    def run_figures(self) -> list[Figure]:
        if self.drill4 is None:
            return [Figure("`drilltutor run drill-4` / pytest", skipped="no drill-4 in the catalogue")]
        solution = str(self.drill4.solution_path)
        test = self.workspace / "test_drill4.py"  # in the workspace, as a learner's own test file
        shutil.copy(BENCH / "test_drill4_pytest.py", test)
        env = dict(self.env, DRILL4_FILE=solution)
        ours = lambda: self.timed([*self.drilltutor, "run", "drill-4", solution])  # noqa: E731
        pytest = [sys.executable, "-m", "pytest", "-q", test.name]
        main = self.alternate(
            Figure("`drilltutor run drill-4` / `python -m pytest -q` (same properties, httpx.ASGITransport)", goal=0.75),
            ours,
            lambda: self.timed(pytest, env=env),
        )
        # The venv also holds drilltutor's own test plugins (hypothesis, xdist); a learner's rarely does.
        lean = self.alternate(
            Figure("  the same, pytest without the hypothesis and xdist plugins", goal=0.75),
            ours,
            lambda: self.timed([*pytest, "-p", "no:hypothesispytest", "-p", "no:xdist"], env=env),
        )
        return [main, lean]

    def dev_figure(self) -> Figure:
        """`dev check` as it is against the same cases run as before: each in a new Python, hashing at cost 12."""
        name = "`drilltutor dev check` (warm runners, bcrypt at cost 4: the default) / `--cold --real-bcrypt` (a new Python per case, the files' own cost)"
        note = f"{(os.cpu_count() or 1) + 1} runs at once both ways"
        return self.dev_pair(Figure(name, goal=0.5), ["--cold", "--real-bcrypt"], note)

    def dev_jobs_figure(self) -> Figure:
        jobs = (os.cpu_count() or 1) + 1
        name = f"`drilltutor dev check` ({jobs} runs at once, the default): speed-up over the same runs one at a time (`--jobs 1`)"
        return self.dev_pair(Figure(name, goal=1.7, higher_is_better=True), ["--jobs", "1"], "the figure is (one at a time) / (at once)")

    def dev_pair(self, figure: Figure, baseline: list[str], note: str) -> Figure:
        """`dev check` as it is against `dev check` with the `baseline` options; both must find the same."""
        findings: dict[str, set[str]] = {"ours": set(), "baseline": set()}

        def dev_check(side: str, options: list[str]) -> float:
            took, out = self.timed_output([*self.drilltutor, "dev", "check", "--json", *options], ok=(0, 1))
            findings[side].add(out)
            return took

        self.alternate(figure, lambda: dev_check("ours", []), lambda: dev_check("baseline", baseline), warm_up=False)  # minutes each
        same = len(findings["ours"] | findings["baseline"]) == 1
        figure.note = f"{len(self.catalogue.drills)} drills, {self.cases()} runs each time; {note}; " + (
            "every run of both found the same, case by case" if same else "the findings DIFFER between runs"
        )
        figure.consistent = same
        return figure

    def cases(self) -> int:
        from drilltutor.devcheck import cases

        return sum(len(cases(drill)) for drill in self.catalogue.drills)

    def watch_figure(self) -> Figure:
        name = "`drilltutor watch drill-4`: save to printed verdict / cold `drilltutor run drill-4`"
        if self.drill4 is None:
            return Figure(name, skipped="no drill-4 in the catalogue")
        help_text = subprocess.run([*self.drilltutor, "--help"], env=self.env, capture_output=True, text=True).stdout
        if not re.search(r"\bwatch\b", help_text):
            return Figure(name, skipped="this drilltutor has no `watch` command")
        solution = str(self.drill4.solution_path)
        figure = Figure(name, goal=0.4)
        return self.alternate(figure, self.save_to_verdict, lambda: self.timed([*self.drilltutor, "run", "drill-4", solution]))

    def save_to_verdict(self) -> float:
        """One watch session: it first sees the starter fail; then the reference is saved, timed to its verdict."""
        assert self.drill4 is not None
        workspace = Path(tempfile.mkdtemp(dir=self.tmp, prefix="watch-"))
        target = workspace / self.drill4.file
        target.write_bytes(self.drill4.starter.read_bytes())
        env = dict(self.env, PYTHONUNBUFFERED="1", DRILLTUTOR_HOME=str(workspace / "home"))
        terminal, keyboard = pty.openpty()  # stdin a terminal: watch waits for saves, as a learner's does
        proc = subprocess.Popen(
            [*self.drilltutor, "watch", "drill-4", "--dir", str(workspace)],
            cwd=workspace,
            env=env,
            stdin=keyboard,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        os.close(keyboard)
        lines: queue.Queue[tuple[float, str]] = queue.Queue()
        threading.Thread(target=_pump, args=(proc, lines), daemon=True).start()
        seen: list[str] = []
        try:
            _until(lines, VERDICT, 60, seen)  # the first verdict: the starter fails
            time.sleep(2.0)  # a learner types for longer than this; meanwhile the warm process imports
            saved = time.perf_counter()
            target.write_bytes(self.drill4.solution_path.read_bytes())
            at = _until(lines, PASS, 60, seen)
            return at - saved
        except TimeoutError:
            raise SystemExit("bench: watch printed no verdict within 60 s:\n" + "".join(seen[-40:])) from None
        finally:
            try:
                os.killpg(proc.pid, signal.SIGINT)
                proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            os.close(terminal)

    def bcrypt_table(self) -> list[tuple[str, int, int, int | None, str]]:
        """Per drill: bcrypt operations in a run of its reference, those of the file itself, and the minimum."""
        from drilltutor.runner import run_drill

        minimums = _minimums()
        rows = []
        for drill in self.catalogue.drills:
            report = run_drill(self.catalogue, drill, drill.solution_path)
            if not report.passed:
                rows.append((drill.id, -1, -1, minimums.get(drill.id), "the reference did not pass"))
                continue
            own = self.file_ops(drill)
            rows.append((drill.id, report.bcrypt_ops - own, own, minimums.get(drill.id), ""))
        return rows

    def file_ops(self, drill: object) -> int:
        """bcrypt operations the reference file makes by itself (as a script or on import), not the checks'."""
        probe = (
            "import io, json, os, sys\n"
            "from pathlib import Path\n"
            "from drilltutor.harness import BcryptCounter, load_learner\n"
            "counter = BcryptCounter()\n"
            "real, sys.stdout = sys.stdout, io.StringIO()\n"
            "load_learner(Path(sys.argv[1]), sys.argv[2])\n"
            "sys.stdout = real\n"
            "print(json.dumps(counter.ops))\n"
        )
        import secrets

        from drilltutor.runner import child_env

        with tempfile.TemporaryDirectory(dir=self.tmp) as scratch:
            env = child_env(drill, secrets.token_hex(32), Path(scratch))  # type: ignore[arg-type]
            out = subprocess.run(
                [sys.executable, "-c", probe, str(drill.solution_path), drill.mode],  # type: ignore[attr-defined]
                env=env,
                cwd=scratch,
                capture_output=True,
                text=True,
                timeout=60,
            )
        return int(out.stdout.strip().splitlines()[-1])


def _minimums() -> dict[str, int]:
    from drilltutor.datafile import read  # the project's one TOML loader

    data = read(BENCH / "bcrypt_min.toml")
    return {drill: int(entry["min"]) for drill, entry in data.items()}


def _pump(proc: subprocess.Popen[str], lines: queue.Queue[tuple[float, str]]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.put((time.perf_counter(), line))


def _until(lines: queue.Queue[tuple[float, str]], pattern: re.Pattern[str], timeout: float, seen: list[str]) -> float:
    deadline = time.monotonic() + timeout
    while True:
        try:
            at, line = lines.get(timeout=max(deadline - time.monotonic(), 0.001))
        except queue.Empty:
            raise TimeoutError from None
        seen.append(line)
        if pattern.search(line):
            return at


def _list(values: list[float]) -> str:
    return " ".join(f"{v:.3f}" for v in values)


def _seconds(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} s"


def report(figures: list[Figure], bcrypt: list[tuple[str, int, int, int | None, str]] | None, runs: int) -> bool:
    everything_met = True
    print(f"drilltutor bench · median of {runs} alternating runs · Python {platform.python_version()} · {os.cpu_count()} cores · {platform.platform()}")
    print()
    for figure in figures:
        print(figure.name)
        if figure.skipped:
            print(f"    skipped: {figure.skipped}")
            everything_met = False
            continue
        sign = "≥" if figure.higher_is_better else "≤"
        word = "speed-up" if figure.higher_is_better else "ratio"
        verdict = "met" if figure.met else "NOT MET"
        print(f"    ours {_seconds(figure.ours)} · baseline {_seconds(figure.base)} · {word} {figure.ratio:.2f} · goal {sign} {figure.goal:g} · {verdict}  ({len(figure.ours)} pairs)")
        if figure.note:
            print(f"    {figure.note}")
        everything_met &= figure.met
    if bcrypt is not None:
        print("bcrypt operations the checks make (the reference file's own not counted) / the fewest the properties need")
        for drill, ops, own, least, trouble in bcrypt:
            if trouble:
                print(f"    {drill:<12} {trouble}")
                everything_met = False
            elif least is None:
                print(f"    {drill:<12} {ops} (file itself: {own}) · no minimum recorded in bench/bcrypt_min.toml")
                everything_met = False
            else:
                ok = ops <= least
                ratio = f"{ops / least:.2f}" if least else ("1.00" if ops == 0 else "inf")
                print(f"    {drill:<12} {ops} / {least} · ratio {ratio} · goal ≤ 1 · {'met' if ok else 'NOT MET'}  (file itself: {own})")
                everything_met &= ok
    print()
    print("every goal met" if everything_met else "NOT every goal met")
    return everything_met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=MIN_RUNS, help=f"alternating runs per figure (at least {MIN_RUNS} for a valid figure)")
    parser.add_argument("--only", default=",".join(FIGURES), help=f"comma-separated subset of: {', '.join(FIGURES)}")
    parser.add_argument("--drills-dir", type=Path, help="another catalogue of drills (default: the bundled drills)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every timing")
    args = parser.parse_args()
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = only - set(FIGURES)
    if unknown:
        parser.error(f"unknown figure(s): {', '.join(sorted(unknown))}")
    if args.runs < MIN_RUNS:
        print(f"bench: {args.runs} runs is fewer than {MIN_RUNS}: a try-out, not a figure", file=sys.stderr)
    bench = Bench(args.runs, args.drills_dir, args.verbose)
    try:
        print(bench.compile_drilltutor(), file=sys.stderr)
        figures: list[Figure] = []
        if "list" in only:
            figures.append(bench.list_figure())
        if "run" in only:
            figures.extend(bench.run_figures())
        if "dev" in only:
            figures.append(bench.dev_figure())
        if "dev-jobs" in only:
            figures.append(bench.dev_jobs_figure())
        if "watch" in only:
            figures.append(bench.watch_figure())
        bcrypt = bench.bcrypt_table() if "bcrypt" in only else None
    finally:
        bench.close()
    return 0 if report(figures, bcrypt, args.runs) else 1


if __name__ == "__main__":
    sys.exit(main())
