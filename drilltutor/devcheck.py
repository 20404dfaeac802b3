"""`drilltutor dev check`: proves every drill folder is sound.

For each drill: the reference solution and every alternative pass (a file in
`alternatives/`, or one stated in `alternatives.toml` as its change to another file, such
as the project's alternative an exercise changes), the starter fails, and every mistake
fails on the check it names, with the file itself running. A mistake is stated as its
change to the reference in `mistakes.toml` (`expect = ["check-id"]`), or, where it really
is a different file, as a whole file in `mistakes/` whose first line names the check
(`# expect: check-id`). A mistake whose whole point is that the file cannot finish (an
uncaught exception) names the problem instead: `problem:crash`.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import queue
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

from drilltutor import datafile
from drilltutor.catalogue import Catalogue, Drill
from drilltutor.foldermodels import COURSE_FILES, DRILL_FILES
from drilltutor.results import FAILED, RunReport
from drilltutor.runner import RunOptions, run_drill
from drilltutor.variants import Variant, load_variants
from drilltutor.warm import WarmRunner

_EXPECT = re.compile(r"#\s*expect:\s*([\w\-,: ]+)")


@dataclass(frozen=True)
class Finding:
    drill: str
    subject: str  # "solution", "starter", "mistakes/plain_text.py", ...
    ok: bool
    message: str


@dataclass(frozen=True)
class _Case:
    drill: Drill
    subject: str
    path: Path | None  # a file as it is; None for a variant, written out to be run
    should_pass: bool
    expect: tuple[str, ...] = ()
    variant: Variant | None = None

    def options(self, options: RunOptions) -> RunOptions:
        """A mistake's run may stop once the checks it names have failed: `judge` looks at no other."""
        if self.should_pass or not self.expect or any(e.startswith("problem:") for e in self.expect):
            return options
        return replace(options, stop_once_failed=self.expect)

    def file(self, folder: Path) -> Path:
        """The file to run: the case's own, or its variant written into `folder` under the
        learner's file name (a served or imported app is found by that name)."""
        if self.variant is None:
            assert self.path is not None
            return self.path
        target = folder / self.variant.name / self.drill.file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.variant.source(), encoding="utf-8")
        return target


def expected_failures(path: Path) -> tuple[str, ...]:
    first = path.read_text(encoding="utf-8").splitlines()[0] if path.stat().st_size else ""
    match = _EXPECT.match(first)
    return tuple(c.strip() for c in match.group(1).split(",") if c.strip()) if match else ()


def cases(drill: Drill) -> list[_Case]:
    found = [_Case(drill, "solution", drill.solution_path, True), _Case(drill, "starter", drill.starter, False)]
    for folder, should_pass in (("alternatives", True), ("mistakes", False)):
        for path in sorted((drill.folder / folder).glob("*.py")):
            expect = () if should_pass else expected_failures(path)
            found.append(_Case(drill, f"{folder}/{path.name}", path, should_pass, expect))
    for variant in alternatives(drill):
        found.append(_Case(drill, f"alternatives.toml:{variant.name}", None, True, variant=variant))
    for variant in mistakes(drill):
        found.append(_Case(drill, f"mistakes.toml:{variant.name}", None, False, variant.expect, variant))
    return found


def alternatives(drill: Drill) -> tuple[Variant, ...]:
    return load_variants(drill.alternatives_file, "alternative", drill.solution_path)


def mistakes(drill: Drill) -> tuple[Variant, ...]:
    return load_variants(drill.mistakes_file, "mistake", drill.solution_path)


def mistake_expectations(drill: Drill) -> set[str]:
    """Every check id some mistake of the drill must fail on (mistakes.toml and mistakes/)."""
    named = {c for variant in mistakes(drill) for c in variant.expect}
    named.update(c for path in sorted(drill.mistakes_dir.glob("*.py")) for c in expected_failures(path))
    return named


def property_findings(catalogue: Catalogue, drills: list[Drill]) -> list[Finding]:
    """One finding per problem of a drill's properties.toml; none for a sound one."""
    from drilltutor import properties

    return [Finding(drill.id, properties.FILE, False, problem) for drill in drills for problem in properties.problems(catalogue, drill)]


def judge(case: _Case, report: RunReport) -> Finding:
    """As the case should end; and every failure it shows is one a learner can act on."""
    found = _outcome(case, report)
    unclear = [c.id for c in report.failed_checks if not (c.got and c.fix) or restates(c.fix, c.sent)]
    if found.ok and unclear:
        return replace(found, ok=False, message=f"a failure a learner cannot act on (no got or fix, or a fix that repeats what was sent): {', '.join(unclear)}")
    return found


def restates(fix: str, sent: str) -> bool:
    """Whether a fix line starts with, or is little more than, the sent line (the learner has just read it)."""
    fix, sent = (" ".join(text.lower().split()) for text in (fix, sent))
    if len(sent) < 12:  # "read `answer`": too short to be repeated by accident
        return False
    opening = sent[: min(len(sent), 24)]
    return fix.startswith(opening) or difflib.SequenceMatcher(None, fix, sent).ratio() >= 0.8


def _outcome(case: _Case, report: RunReport) -> Finding:
    def finding(ok: bool, message: str) -> Finding:
        return Finding(case.drill.id, case.subject, ok, message)

    if case.should_pass:
        if report.passed:
            return finding(True, "passes")
        broken = report.problem.message if report.problem else ", ".join(c.id for c in report.checks if c.status != "passed" and c.status != "advice")
        return finding(False, f"should pass but did not: {broken}")
    if report.passed:
        return finding(False, "should fail but passed every check")
    if not case.expect:
        return finding(case.subject == "starter", "fails" if case.subject == "starter" else "names no check it should fail on")
    problems = [e.removeprefix("problem:") for e in case.expect if e.startswith("problem:")]
    if problems:
        kind = report.problem.kind if report.problem else None
        ok = kind in problems
        return finding(ok, f"could not run ({kind})" if ok else f"should stop with {', '.join(problems)}; got {kind or 'a normal run'}")
    if report.problem is not None:
        return finding(False, f"should fail on {', '.join(case.expect)} but could not run: {report.problem.message}")
    failed = {c.id for c in report.checks if c.status == FAILED}
    missing = [c for c in case.expect if c not in failed]
    if missing:
        return finding(False, f"should fail on {', '.join(missing)}; failed on {', '.join(sorted(failed)) or 'nothing'}")
    return finding(True, f"fails on {', '.join(case.expect)}")


# dev check judges verdicts, not speed: a busy machine must not turn a pass into a timeout.
# A learner's `run` keeps its 10 s default; the hanging mistakes still end through the
# per-request timeout, which stays at its default. New bcrypt hashes are made at cost 4
# (a millisecond, not a quarter of a second): no check's verdict depends on the cost, and
# `--real-bcrypt` runs the same cases at the files' own cost to show it (bench/run.py does).
AUTHOR_OPTIONS = RunOptions(timeout=30.0, bcrypt_cost=4)


def default_workers() -> int:
    """One more than the cores: a run spends part of its time waiting (a server starting, a
    request timing out, a fork), and the extra run fills that."""
    return (os.cpu_count() or 1) + 1


def run_all(catalogue: Catalogue, runs: Iterable[tuple[Drill, Path, RunOptions]], workers: int, warm: bool = True) -> list[RunReport]:
    """Every (drill, file, options) run, `workers` at a time; warm (the default) or each in a new Python.

    A warm run is a cold run's harness in a process forked from one that has already
    imported the libraries, with the same timeout and limits: a verdict does not depend on
    which ran it, and a file that hangs ends at the same timeout. Each worker keeps its own
    runner (a runner takes one run at a time), and waits for it to finish importing rather
    than running cold meanwhile: on a busy machine cold runs would only slow the imports down.
    """
    todo = list(runs)
    if not todo:
        return []
    workers = min(workers, len(todo))
    with contextlib.ExitStack() as stack:
        idle: queue.SimpleQueue[Callable[[Catalogue, Drill, Path, RunOptions], RunReport]] = queue.SimpleQueue()
        for _ in range(workers):
            idle.put(stack.enter_context(WarmRunner(cold_until_ready=False)) if warm else run_drill)

        def run(job: tuple[Drill, Path, RunOptions]) -> RunReport:
            runner = idle.get()
            try:
                return runner(catalogue, *job)
            finally:
                idle.put(runner)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(run, todo))


def check_data(catalogue: Catalogue, drills: list[Drill]) -> None:
    """Every data file of the course and of `drills` against its model, through pydantic itself:
    the commands read them without it, and a malformed one is said here, before any run."""
    files = [(catalogue.folder / name, model) for name, model in COURSE_FILES.items()]
    files += [(drill.folder / name, model) for drill in drills for name, model in DRILL_FILES.items()]
    for path, model in files:
        if path.is_file():
            datafile.check(path, model)


def verify(
    catalogue: Catalogue, drills: list[Drill], options: RunOptions = AUTHOR_OPTIONS, workers: int | None = None, warm: bool = True
) -> list[Finding]:
    """Every case of every drill, run `workers` at a time (default: `default_workers()`)."""
    check_data(catalogue, drills)
    todo = [case for drill in drills for case in cases(drill)]
    with tempfile.TemporaryDirectory(prefix="drilltutor-dev-") as folder:
        files = [case.file(Path(folder)) for case in todo]
        runs = [(case.drill, file, case.options(options)) for case, file in zip(todo, files)]
        reports = run_all(catalogue, runs, workers or default_workers(), warm)
    return property_findings(catalogue, drills) + [judge(case, report) for case, report in zip(todo, reports)]
