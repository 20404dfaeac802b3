"""`drilltutor grade SUBMISSION`: every drill whose file is in a submission folder, graded as data.

The grade is built from the same runs `drilltutor run` makes (`runner.run_drill`), cold ones:
grading is a batch, where a second per drill matters less than a run that starts from nothing
of the grader's (a zygote forked from the grader's process would hand the learner its
descriptors). Nothing here reads or writes the learner's progress, and nothing is rendered:
the CLI turns a `Grade` into Gradescope's results.json, JUnit XML or JSON (`drilltutor.gradefile`).

Run as root, the learner's code runs as an unprivileged user (`platform.RunAs`) who can write
only each run's scratch folder: the submission is copied into a folder that user can read but
not change, and before any run drilltutor makes sure that user can start its Python and cannot
write to drilltutor's installation, the drills, the progress or the grade file's folder.
"""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

from drilltutor import paths, platform
from drilltutor.catalogue import Catalogue, Drill
from drilltutor.errors import DrilltutorError
from drilltutor.references import References
from drilltutor.results import ADVICE, PASSED, CheckResult, RunReport
from drilltutor.launcher import base_env
from drilltutor.runner import RunOptions, declared_checks, run_drill

DEFAULT_POINTS = 10.0  # a drill whose drill.toml gives no `points`
DEFAULT_USER = "nobody"
# A grade's run limit, wall clock: a batch where a verdict lost to a busy machine costs a student
# points, so more room than `run`'s 10 s; an endless loop still ends.
GRADE_TIMEOUT = 60.0
PROBE_TIMEOUT = 60.0  # seconds for the unprivileged user's Python to import drilltutor once
OWN_RIGHTS = (
    "The learner's code ran with the grader's own rights: drilltutor was not run as root, so it could not "
    "switch to an unprivileged user. Grade untrusted submissions as root (an autograder container), where the "
    "code runs as {user}."
)

# How a drill came out, beyond its checks
GRADED = "graded"
MISSING = "missing"  # named with --drill, but its file is not in the submission
NOT_THEIRS = "reference"  # the file is, or runs, a bundled reference
COULD_NOT_RUN = "could not run"


@dataclass(frozen=True)
class CheckGrade:
    id: str
    title: str
    passed: bool
    score: float
    max_score: float
    text: str  # sent / got / expected / fix, or why the drill scored nothing


@dataclass(frozen=True)
class DrillGrade:
    drill: str
    title: str
    file: str
    points: float
    score: float
    status: str  # GRADED, MISSING, NOT_THEIRS or COULD_NOT_RUN
    reason: str  # why the drill was not graded by its checks, or why its file could not run
    checks: tuple[CheckGrade, ...]
    duration: float = 0.0


@dataclass(frozen=True)
class Grade:
    drills: tuple[DrillGrade, ...]
    ran_as: str | None  # the unprivileged user the learner's code ran as; None: the grader's own rights
    notices: tuple[str, ...] = ()

    @property
    def score(self) -> float:
        return round(sum(d.score for d in self.drills), 4)

    @property
    def max_score(self) -> float:
        return round(sum(d.points for d in self.drills), 4)


@dataclass(frozen=True)
class GradeOptions:
    timeout: float = GRADE_TIMEOUT
    user: str = DEFAULT_USER
    protect: tuple[Path, ...] = ()  # more places the learner's user must not write (the grade file's folder)


Runner = Callable[[Catalogue, Drill, Path, RunOptions], RunReport]


def drill_points(drill: Drill) -> float:
    """The drill's `points` from drill.toml (the metadata model reads it), else the default."""
    points = getattr(drill, "points", None)
    return DEFAULT_POINTS if points is None else float(points)


def choose(catalogue: Catalogue, submission: Path, names: Sequence[str]) -> list[Drill]:
    """The drills named (each once, catalogue order), or every drill whose file is in the submission."""
    if not submission.is_dir():
        raise DrilltutorError(f"{submission} is not a folder.", hint="Give the folder that holds the learner's drill files.")
    if names:
        wanted = {catalogue.find(name).id for name in names}
        return [d for d in catalogue.drills if d.id in wanted]
    found = [d for d in catalogue.drills if (submission / d.file).is_file()]
    if not found:
        listed = ", ".join(d.file for d in catalogue.drills)
        raise DrilltutorError(f"No drill file is in {submission}.", hint=f"A submission holds one or more of: {listed}.")
    return found


def grade(catalogue: Catalogue, submission: Path, names: Sequence[str] = (), options: GradeOptions = GradeOptions(), runner: Runner = run_drill) -> Grade:
    """Grade the submission's drills. Each run has ended, its processes with it, when this returns."""
    drills = choose(catalogue, submission, names)
    run_as, notices = _who_runs(options.user)
    references = References(catalogue)
    with tempfile.TemporaryDirectory(prefix="drilltutor-grade-") as staging:
        staged = _stage(submission, Path(staging))
        if run_as is not None:
            _probe(run_as, catalogue, staged, options.protect)
        run_options = RunOptions(timeout=options.timeout, run_as=run_as)
        graded = tuple(_grade_drill(catalogue, drill, staged, references, run_options, runner) for drill in drills)
    return Grade(graded, None if run_as is None else run_as.name, notices)


def _who_runs(user: str) -> tuple[platform.RunAs | None, tuple[str, ...]]:
    if not platform.is_superuser():
        return None, (OWN_RIGHTS.format(user=user),)
    run_as = platform.run_as(user)
    if run_as is None:
        raise DrilltutorError(f"There is no user {user!r} on this system to run the learner's code as.", hint="Name an unprivileged account with --user (default: nobody).")
    if run_as.uid == 0:
        raise DrilltutorError(f"{user!r} is root itself; the learner's code must run as an unprivileged user.", hint="Name another account with --user (default: nobody).")
    return run_as, ()


def _stage(submission: Path, staging: Path) -> Path:
    """A copy of the submission that the learner's user can read but not change, and that one
    drill's code cannot rewrite before another drill is graded. Links stay links: a link to a
    file the learner's user may not read is no way to read it."""
    staged = staging / "submission"
    try:
        shutil.copytree(submission, staged, symlinks=True, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    except (OSError, shutil.Error) as exc:
        raise DrilltutorError(f"The submission {submission} could not be copied for grading: {exc}", hint="Check that drilltutor can read every file in it.") from None
    for folder in (staging, *(p for p in staged.rglob("*") if p.is_dir() and not p.is_symlink()), staged):
        folder.chmod(0o755)
    for path in staged.rglob("*"):
        if path.is_file() and not path.is_symlink():
            path.chmod(stat.S_IMODE(path.stat().st_mode) & 0o755 | 0o644)
    return staged


# Run as the learner's user: import what a run imports, read what a run reads (the checks run in
# the learner's process until they move to one of their own), and list the guarded places it could write.
_PROBE = """
import os, sys
import drilltutor.harness
split = sys.argv.index("--")
for path in sys.argv[split + 1:]:
    open(path, "rb").close()
print("\\n".join(p for p in sys.argv[1:split] if os.path.exists(p) and os.access(p, os.W_OK)))
"""


def _probe(run_as: platform.RunAs, catalogue: Catalogue, staged: Path, protect: Sequence[Path]) -> None:
    """Start drilltutor's Python once as the learner's user, before any run: a venv it cannot read
    would otherwise fail every check of every drill with one cryptic error. It also says which of
    the places that user must not write it can write."""
    guarded = [Path(platform.__file__).resolve().parent.parent, catalogue.folder, paths.home_dir(), *protect]
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, *map(str, guarded), "--", *(str(d.checks_path) for d in catalogue.drills)],
            cwd=staged,
            env=base_env(),
            capture_output=True,
            timeout=PROBE_TIMEOUT,
            **platform.as_user(run_as),
        )
    except (OSError, subprocess.SubprocessError) as exc:
        said = f"{type(exc).__name__}: {exc}"
    else:
        said = "" if done.returncode == 0 else (done.stderr.decode("utf-8", "replace").strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        writable = done.stdout.decode("utf-8", "replace").split()
        if not said and writable:
            raise DrilltutorError(
                f"The user {run_as.name}, who runs the learner's code, can write to {', '.join(writable)}.",
                hint="Make those folders writable by their owner only (chmod go-w), or grade as another --user.",
            )
    if said:
        raise DrilltutorError(
            f"The user {run_as.name}, who runs the learner's code, cannot run drilltutor's Python ({sys.executable}): {said}",
            hint="Install drilltutor in a virtual environment every user can read, outside /root, e.g.: "
            "python3 -m venv /opt/drilltutor && /opt/drilltutor/bin/pip install drilltutor, then grade with "
            "/opt/drilltutor/bin/drilltutor (a venv made with a Python under /root cannot be run by other users either). "
            "The drills folder must be readable by that user too.",
        )


def _grade_drill(catalogue: Catalogue, drill: Drill, staged: Path, references: References, options: RunOptions, runner: Runner) -> DrillGrade:
    points = drill_points(drill)
    declared = declared_checks([str(d.checks_path) for d in catalogue.chain(drill)])
    file = staged / drill.file
    base = DrillGrade(drill.id, drill.title, drill.file, points, 0.0, GRADED, "", ())
    if not file.is_file() and not file.is_symlink():
        reason = f"Not submitted: there is no {drill.file} in the submission."
        return replace(base, status=MISSING, reason=reason, checks=_all_failed(declared, points, reason))
    if file.is_symlink():  # read as the grader, a link could show the grade what the learner's user may not read
        reason = f"{drill.file} is a symbolic link; submit the file itself."
        return replace(base, status=COULD_NOT_RUN, reason=reason, checks=_all_failed(declared, points, reason))
    not_theirs = references.verdict(file.read_bytes().decode("utf-8", "replace"))
    if not_theirs is not None:
        return replace(base, status=NOT_THEIRS, reason=not_theirs, checks=_all_failed(declared, points, not_theirs))
    report = runner(catalogue, drill, file, options)
    if report.problem is not None:
        reason = "\n".join(p for p in (f"{drill.file} could not be checked: {report.problem.message}", report.problem.detail) if p)
        return replace(base, status=COULD_NOT_RUN, reason=reason, checks=_all_failed(declared, points, reason), duration=report.duration)
    results = {c.id: c for c in report.checks}
    share = points / len(declared) if declared else 0.0
    checks = tuple(_check_grade(check_id, title, results.get(check_id), share) for check_id, title in declared.items())
    passed = sum(c.passed for c in checks)
    score = round(points * passed / len(declared), 4) if declared else 0.0
    return replace(base, score=score, checks=checks, duration=report.duration)


def _all_failed(declared: dict[str, str], points: float, reason: str) -> tuple[CheckGrade, ...]:
    share = round(points / len(declared), 4) if declared else 0.0
    return tuple(CheckGrade(check_id, title, False, 0.0, share, reason) for check_id, title in declared.items())


def _check_grade(check_id: str, title: str, result: CheckResult | None, share: float) -> CheckGrade:
    if result is None:  # the runner reports every declared check; this is the verdict it could not give
        return CheckGrade(check_id, title, False, 0.0, round(share, 4), "This check did not report.")
    passed = result.status in (PASSED, ADVICE)
    return CheckGrade(check_id, result.title, passed, round(share, 4) if passed else 0.0, round(share, 4), check_text(result))


def check_text(result: CheckResult) -> str:
    """What a failed check sent, got and expected, and the fix; advice on a passed one."""
    lines = [f"{label}: {value}" for label, value in (("Sent", result.sent), ("Got", result.got), ("Expected", result.expected), ("Fix", result.fix)) if value]
    if result.detail:
        lines += ["", result.detail]
    if result.status == ADVICE:
        lines.insert(0, "Advice (no points lost):")
    return "\n".join(lines)

