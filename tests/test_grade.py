"""`drilltutor grade` and `drilltutor scaffold`: grade files, points, exit codes, references, progress untouched.

Tests that run learner code as root with the drop to `nobody` need a drilltutor installed where
that user can run it (DRILLTUTOR_TEST_VENV, default /opt/dt-venv); they are skipped otherwise.
The rest grade with the grader's own rights (`is_superuser` answered False), as on any
developer's machine: the drop itself is tested only for real.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Iterator

import pytest
from typer.testing import CliRunner

from drilltutor import grading, platform
from drilltutor.catalogue import Catalogue
from drilltutor.cli import app
from drilltutor.devcheck import cases
from drilltutor.references import References
from drilltutor.results import FAILED, PASSED, CheckResult, Problem, RunReport
from drilltutor.runner import declared_checks
from tests.conftest import FIXTURES

SUBMISSION = FIXTURES / "submission"
VENV = Path(os.environ.get("DRILLTUTOR_TEST_VENV", "/opt/dt-venv"))


@pytest.fixture
def as_user_not_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Grade as a developer does: the learner's code runs with the grader's own rights."""
    monkeypatch.setattr(platform, "is_superuser", lambda: False)


@pytest.fixture
def progress_untouched(monkeypatch: pytest.MonkeyPatch, _isolated_home: Path) -> Iterator[Path]:
    """DRILLTUTOR_HOME holds a progress file; grade must neither read nor write it."""
    from drilltutor import progress

    saved = _isolated_home / "progress.json"
    saved.write_text('{"schema": 1, "not": "to be touched"}', encoding="utf-8")
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in _isolated_home.iterdir()}

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("grade touched the learner's progress")

    for name in ("read", "update"):
        monkeypatch.setattr(progress.ProgressStore, name, refuse)
    yield _isolated_home
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in _isolated_home.iterdir()} == before


def _grade(args: list[str]) -> Any:
    # a generous limit: a busy machine must not turn a correct drill into a timeout here
    return CliRunner().invoke(app, ["grade", *args, "--timeout", "120"], env={"COLUMNS": "1000"})


def test_gradescope_results_json_grades_the_sample_submission(tmp_path: Path, as_user_not_root: None, progress_untouched: Path, catalogue: Catalogue) -> None:
    out = tmp_path / "results.json"
    result = _grade([str(SUBMISSION), "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(document["score"], (int, float)) and isinstance(document["max_score"], (int, float))
    assert document["max_score"] == 30  # three drills' files are in the folder, 10 points each by default
    assert isinstance(document["output"], str) and isinstance(document["execution_time"], (int, float))
    for test in document["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output"}
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert isinstance(test["score"], (int, float)) and isinstance(test["max_score"], (int, float))
        assert test["status"] in ("passed", "failed")
        assert test["score"] == (test["max_score"] if test["status"] == "passed" else 0)
    by_drill: dict[str, list[dict[str, Any]]] = {}
    for test in document["tests"]:
        by_drill.setdefault(test["tags"][0], []).append(test)
    for drill_id, tests in by_drill.items():  # a test per declared check
        drill = catalogue.find(drill_id)
        assert len(tests) == len(declared_checks([str(d.checks_path) for d in catalogue.chain(drill)]))
        assert all(t["name"].startswith(f"{drill_id}: ") for t in tests)
    assert all(t["status"] == "passed" for t in by_drill["drill-1"])
    failed = [t for t in by_drill["drill-2"] if t["status"] == "failed"]
    assert failed and all("Got:" in t["output"] and "Fix:" in t["output"] for t in failed)
    assert all(t["status"] == "failed" and "syntax error" in t["output"] for t in by_drill["drill-3"])
    passed_2 = len(by_drill["drill-2"]) - len(failed)
    assert document["score"] == round(10 + 10 * passed_2 / len(by_drill["drill-2"]), 4)
    assert document["output"].count("grader's own rights") == 1
    assert result.output.count("grader's own rights") == 1  # on stderr, once


def test_junit_has_a_suite_per_drill_and_a_case_per_check(tmp_path: Path, as_user_not_root: None, progress_untouched: Path) -> None:
    out = tmp_path / "grade.xml"
    result = _grade([str(SUBMISSION), "--drill", "hashing", "--drill", "3", "--format", "junit", "--out", str(out)])
    assert result.exit_code == 0, result.output
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["drill-1", "drill-3"]
    for suite in suites:
        cases_ = suite.findall("testcase")
        assert suite.get("tests") == str(len(cases_)) and cases_
        assert suite.get("failures") == str(sum(c.find("failure") is not None for c in cases_))
    assert all(c.find("failure") is None for c in suites[0].findall("testcase"))
    failures = [c.find("failure") for c in suites[1].findall("testcase")]
    assert all(f is not None and "syntax error" in (f.text or "") for f in failures)
    assert {p.get("name"): p.get("value") for p in suites[1].find("properties")} == {"file": "drill_3_expiry.py", "points": "10", "score": "0", "status": "could not run"}
    assert ET.tostring(root, encoding="unicode").count("grader's own rights") == 1


def test_json_is_one_document_and_a_named_drill_without_its_file_scores_nothing(tmp_path: Path, as_user_not_root: None, progress_untouched: Path) -> None:
    out = tmp_path / "grade.json"
    result = _grade([str(SUBMISSION), "-d", "drill-1", "-d", "jwt", "-d", "build", "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert set(document) == {"score", "max_score", "ran_as", "notices", "drills"}
    assert document["ran_as"] is None and len(document["notices"]) == 1
    drills = {d["drill"]: d for d in document["drills"]}
    assert list(drills) == ["drill-1", "drill-2", "build"]
    assert drills["drill-1"]["score"] == 10 and drills["drill-1"]["status"] == "graded"
    build = drills["build"]
    assert build["status"] == "missing" and build["score"] == 0 and build["checks"]
    assert all(not c["passed"] and "there is no auth.py" in c["text"] for c in build["checks"])
    assert document["max_score"] == 30 and document["score"] == round(sum(d["score"] for d in drills.values()), 4)


def test_strict_exits_1_unless_every_graded_drill_scored_full_points(tmp_path: Path, as_user_not_root: None) -> None:
    assert _grade([str(SUBMISSION), "-d", "1", "--strict", "--out", str(tmp_path / "a.json")]).exit_code == 0
    failing = _grade([str(SUBMISSION), "-d", "1", "-d", "2", "--strict", "--out", str(tmp_path / "b.json")])
    assert failing.exit_code == 1 and (tmp_path / "b.json").is_file()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["{missing}"], "is not a folder"),
        (["{empty}"], "No drill file is in"),
        (["{submission}", "--drill", "no-such-drill"], "no-such-drill"),
        (["{submission}", "--format", "csv"], "is not one of"),
        (["{submission}", "--out", "{missing}/results.json"], "does not exist"),
        (["{submission}", "--out", "{empty}"], "is a folder"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(tmp_path: Path, as_user_not_root: None, args: list[str], said: str) -> None:
    (tmp_path / "empty").mkdir()
    places = {"missing": tmp_path / "missing", "empty": tmp_path / "empty", "submission": SUBMISSION}
    result = _grade([a.format(**places) for a in args] + ([] if "--out" in args else ["--out", str(tmp_path / "results.json")]))
    assert result.exit_code == 2, result.output
    assert said in result.output
    assert not (tmp_path / "results.json").exists()


# ---- points -------------------------------------------------------------------------------


class _FakeRun:
    """Stands in for runner.run_drill: every check of the drill reports, the first `passing` pass."""

    def __init__(self, catalogue: Catalogue, passing: int, problem: Problem | None = None) -> None:
        self.catalogue, self.passing, self.problem, self.calls = catalogue, passing, problem, 0

    def __call__(self, catalogue: Catalogue, drill: Any, file: Path, options: Any) -> RunReport:
        self.calls += 1
        declared = declared_checks([str(d.checks_path) for d in catalogue.chain(drill)])
        checks = [CheckResult(i, t, PASSED if n < self.passing else FAILED, got="no", fix="yes") for n, (i, t) in enumerate(declared.items())]
        return RunReport(drill.id, str(file), checks=[] if self.problem else checks, problem=self.problem)


def _one_file(tmp_path: Path, name: str, text: str = "x = 1\n") -> Path:
    folder = tmp_path / "submission"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_points_are_shared_equally_by_the_checks(tmp_path: Path, catalogue: Catalogue, as_user_not_root: None) -> None:
    drill = catalogue.find("hashing")
    total = len(declared_checks([str(drill.checks_path)]))
    result = grading.grade(catalogue, _one_file(tmp_path, drill.file), runner=_FakeRun(catalogue, passing=3))
    (graded,) = result.drills
    assert graded.points == grading.DEFAULT_POINTS == 10
    assert graded.score == round(10 * 3 / total, 4) == result.score
    assert [c.score for c in graded.checks] == [round(10 / total, 4)] * 3 + [0.0] * (total - 3)
    assert all(c.max_score == round(10 / total, 4) for c in graded.checks)


def test_a_drill_s_points_come_from_its_metadata_with_a_default() -> None:
    from types import SimpleNamespace

    assert grading.drill_points(SimpleNamespace(points=25)) == 25.0  # type: ignore[arg-type]
    assert grading.drill_points(SimpleNamespace(points=None)) == grading.DEFAULT_POINTS  # type: ignore[arg-type]
    assert grading.drill_points(SimpleNamespace()) == grading.DEFAULT_POINTS  # type: ignore[arg-type]


def test_a_file_that_could_not_run_fails_every_check_with_the_problem(tmp_path: Path, catalogue: Catalogue, as_user_not_root: None) -> None:
    drill = catalogue.find("jwt")
    problem = Problem("timeout", "drill_2_jwt.py did not finish within 10 s while running.")
    (graded,) = grading.grade(catalogue, _one_file(tmp_path, drill.file), runner=_FakeRun(catalogue, 99, problem)).drills
    assert graded.status == grading.COULD_NOT_RUN and graded.score == 0 and graded.checks
    assert all(not c.passed and "did not finish within 10 s" in c.text for c in graded.checks)


# ---- the reference is not the learner's work ------------------------------------------------


@pytest.fixture(scope="module")
def references(catalogue: Catalogue) -> References:
    return References(catalogue)


def _reformatted(source: str) -> str:
    """The same code, laid out by ast.unparse, with its docstring and comments changed."""
    tree = ast.parse(source)
    body = ast.unparse(ast.Module(body=[n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))], type_ignores=[]))
    return '"""My own work, honestly."""\n# written from scratch\n' + body.replace("\n", "\n\n")


def test_every_bundled_reference_and_alternative_is_recognised_and_no_mistake_or_starter_is(catalogue: Catalogue, references: References) -> None:
    for drill in catalogue.drills:
        for case in cases(drill):
            source = case.variant.source() if case.variant is not None else case.path.read_text(encoding="utf-8")
            verdict = references.verdict(source)
            if case.should_pass:  # solution, alternatives/*.py, alternatives.toml (variants.py)
                assert verdict is not None and drill.id in verdict, (drill.id, case.subject)
                assert references.verdict(_reformatted(source)) == verdict, (drill.id, case.subject)
            elif "import drilltutor" in source or "from drilltutor" in source:
                # The tests drill's forging suites reach into drilltutor's files: graded, they are not the learner's work either.
                assert verdict is not None and "drilltutor" in verdict, (drill.id, case.subject)
            else:
                assert verdict is None, (drill.id, case.subject, verdict)


@pytest.mark.parametrize(
    "source",
    [
        "from drilltutor._drills import x\n",
        "import importlib\nm = importlib.import_module('drilltutor.checking')\n",
        "__import__('drill' + 'tutor')\n",
        "import runpy\nns = runpy.run_path('/opt/x/site-packages/drilltutor/_drills/drill-1-hashing/solution.py')\npwd = ns['pwd']\n",
        "import runpy, jose, os\nrunpy.run_path(os.path.join(os.path.dirname(jose.__file__), '..', 'drill' 'tutor', '_drills', 'x.py'))\n",
        "exec(open('solu' + 'tion.py').read())\n",
        "import runpy\nruns = runpy.run_path('../alternatives/pyjwt.py')\n",
        "p = '/'.join(['drills', 'drill-2-jwt'])\n",
        "import sys\nsys.path.insert(0, '/srv/drills/project-tasks')\nfrom solution import app\n",
        "import glob, runpy\nns = runpy.run_path(glob.glob('/**/sol*.py', recursive=True)[0])\n",
        "import sys, os\nfor root, _, files in os.walk(sys.prefix):\n    pass\nexec(compile(open(root + '/' + files[0]).read(), 'x', 'exec'))\n",
        "import importlib.util, site\nspec = importlib.util.spec_from_file_location('m', site.getsitepackages()[0] + '/x.py')\n",
        "import builtins, sys, os\nf = getattr(builtins, 'ex' + 'ec')\nf(open(os.path.join(sys.prefix, 'x')).read())\n",
        "from importlib import import_module as im\nimport os, sys\nm = im(os.listdir(sys.prefix)[0])\n",
    ],
)
def test_code_that_imports_or_runs_a_reference_is_not_the_learner_s_work(references: References, source: str) -> None:
    verdict = references.verdict(source)
    assert verdict is not None and "not your work" in verdict


def test_the_reference_submitted_scores_nothing_with_the_reason_and_never_runs(tmp_path: Path, catalogue: Catalogue, as_user_not_root: None, progress_untouched: Path) -> None:
    drill = catalogue.find("hashing")
    folder = _one_file(tmp_path, drill.file, _reformatted(drill.solution_path.read_text(encoding="utf-8")))
    never = _FakeRun(catalogue, 99)
    (graded,) = grading.grade(catalogue, folder, runner=never).drills
    assert never.calls == 0
    assert graded.status == grading.NOT_THEIRS and graded.score == 0
    assert all(not c.passed and "drill-1's reference (solution.py)" in c.text for c in graded.checks)
    out = tmp_path / "results.json"
    assert _grade([str(folder), "--out", str(out)]).exit_code == 0
    tests = json.loads(out.read_text(encoding="utf-8"))["tests"]
    assert tests and all(t["score"] == 0 and "the reference is not your work" in t["output"] for t in tests)


# ---- run as root: the drop to nobody, for real ------------------------------------------------

_root_only = pytest.mark.skipif(not (hasattr(os, "geteuid") and os.geteuid() == 0), reason="runs learner code as nobody: needs drilltutor itself run as root")
_with_venv = pytest.mark.skipif(
    not (VENV / "bin" / "drilltutor").is_file(),
    reason=f"needs drilltutor installed where nobody can run it: python3 -m venv {VENV} && {VENV}/bin/pip install . (or set DRILLTUTOR_TEST_VENV)",
)

# The learner's file hides the names it reaches for (hex), as a static scan cannot read them: what
# stops it is the user it runs as. It reports what it could do through a folder anyone may write.
_INTRUDER = '''
import os, json
from passlib.context import CryptContext

pwd = CryptContext(schemes=["bcrypt"], deprecated="auto")
seen = {{"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "cwd_writable": os.access(".", os.W_OK)}}
for name, path in {targets}.items():
    path = bytes.fromhex(path).decode()
    try:
        with open(path, "a") as handle:
            handle.write("forged")
        seen[name] = "written"
    except OSError as exc:
        seen[name] = type(exc).__name__
import psutil
keeper = psutil.Process(os.getppid()).ppid()  # the learner's process -> the judge -> the keeper
try:  # the keeper, which holds the run, stays root
    os.kill(keeper, 0)
    seen["keeper"] = "signalled"
except OSError as exc:
    seen["keeper"] = type(exc).__name__
with open(os.path.join(bytes.fromhex("{evidence}").decode(), "seen.json"), "w") as handle:
    json.dump(seen, handle)
stored = pwd.hash("hunter2pls")
print(pwd.verify("hunter2pls", stored))
print(pwd.verify("hunter2plz", stored))
'''


def _world_folder(mode: int) -> Path:
    """A folder under /tmp (every user may pass through it), with `mode`."""
    folder = Path(tempfile.mkdtemp(prefix="dt-grade-test-"))
    folder.chmod(mode)
    return folder


@pytest.mark.linux("runs the learner's code as another user (the keeper drops its child), as root")
@_root_only
@_with_venv
def test_as_root_the_learner_runs_as_nobody_and_cannot_write_the_grade_progress_or_install() -> None:
    package = Path(subprocess.run([VENV / "bin" / "python", "-c", "import drilltutor, os; print(os.path.dirname(drilltutor.__file__))"], capture_output=True, text=True, check=True, cwd="/").stdout.strip())
    out, home, evidence = _world_folder(0o755), _world_folder(0o755), _world_folder(0o777)
    submission = _world_folder(0o700)  # the grader's own: grade copies it where nobody may read it
    try:
        (home / "progress.json").write_text("{}", encoding="utf-8")
        (out / "results.json").write_text("old", encoding="utf-8")
        targets = {
            "grade_file": out / "results.json",
            "grade_folder": out / "forged.json",
            "progress": home / "progress.json",
            "installed": package / "grading.py",
            "drills": package / "_drills" / "drill-1-hashing" / "checks.py",
        }
        before = {name: path.read_bytes() if path.exists() else None for name, path in targets.items()}
        hexed = {name: str(path).encode().hex() for name, path in targets.items()}
        (submission / "drill_1_hashing.py").write_text(_INTRUDER.format(targets=hexed, evidence=str(evidence).encode().hex()), encoding="utf-8")
        env = {**os.environ, "DRILLTUTOR_HOME": str(home), "COLUMNS": "1000"}
        done = subprocess.run(
            [VENV / "bin" / "drilltutor", "grade", submission, "--out", out / "results.json", "--user", "nobody", "--timeout", "120"],
            capture_output=True, text=True, env=env, cwd="/", timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        seen = json.loads((evidence / "seen.json").read_text(encoding="utf-8"))
        nobody = platform.run_as("nobody")
        assert nobody is not None
        assert (seen["uid"], seen["gid"], seen["groups"]) == (nobody.uid, nobody.gid, [])
        assert seen["cwd_writable"] is True  # its scratch folder, and nothing else
        assert seen["keeper"] == "PermissionError"  # what holds the run is out of its reach
        assert {name: seen[name] for name in targets} == {name: "PermissionError" for name in targets}
        assert {name: path.read_bytes() if path.exists() else None for name, path in targets.items() if name != "grade_file"} == {
            name: value for name, value in before.items() if name != "grade_file"
        }
        document = json.loads((out / "results.json").read_text(encoding="utf-8"))
        assert document["score"] == document["max_score"] == 10  # the rest of the file is a correct drill 1
        assert "grader's own rights" not in document["output"] and "grader's own rights" not in done.stderr
        assert sorted(p.name for p in out.iterdir()) == ["results.json"]
    finally:
        for folder in (out, home, evidence, submission):
            shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.linux("runs the check as another user, as root")
@_root_only
@_with_venv
def test_as_root_a_grade_folder_the_learner_could_write_is_refused_before_any_run() -> None:
    out = _world_folder(0o777)
    try:
        done = subprocess.run(
            [VENV / "bin" / "drilltutor", "grade", SUBMISSION, "-d", "1", "--out", out / "results.json"],
            capture_output=True, text=True, cwd="/", timeout=120, env={**os.environ, "COLUMNS": "1000"},
        )
        assert done.returncode == 2
        assert "nobody, who runs the learner's code, can write to" in done.stderr and str(out) in done.stderr
        assert not (out / "results.json").exists()
    finally:
        shutil.rmtree(out, ignore_errors=True)


@pytest.mark.linux("starts this Python as nobody, as root")
@_root_only
def test_as_root_a_python_nobody_cannot_run_is_said_at_once(tmp_path: Path) -> None:
    probe = subprocess.run(["su", "nobody", "-s", "/bin/sh", "-c", f"{os.path.realpath(sys.executable)} -c pass"], capture_output=True, cwd="/")
    if probe.returncode == 0:
        pytest.skip("this Python can be run by nobody (it is not under /root); the message has nothing to say")
    result = _grade([str(SUBMISSION), "--out", str(tmp_path / "results.json")])
    assert result.exit_code == 2
    assert "cannot run drilltutor's Python" in result.output and "/opt" in result.output
    assert not (tmp_path / "results.json").exists()


# ---- scaffolding --------------------------------------------------------------------------------


def test_gradescope_scaffold_installs_into_a_venv_nobody_can_read_and_grades_into_results_json(tmp_path: Path, catalogue: Catalogue) -> None:
    folder = tmp_path / "autograder"
    result = CliRunner().invoke(app, ["scaffold", "gradescope", str(folder), "-d", "hashing", "-d", "jwt", "--install", "git+https://example.org/drilltutor.git"])
    assert result.exit_code == 0, result.output
    setup, run = folder / "setup.sh", folder / "run_autograder"
    for script in (setup, run):
        assert script.stat().st_mode & stat.S_IXUSR
        assert subprocess.run(["bash", "-n", script]).returncode == 0
    assert "python3 -m venv /opt/drilltutor" in setup.read_text() and "pip install git+https://example.org/drilltutor.git" in setup.read_text()
    text = run.read_text()
    assert "drilltutor grade /autograder/submission --drill=drill-1 --drill=drill-2" in text
    assert "--format=gradescope --out=/autograder/results/results.json" in text
    again = CliRunner().invoke(app, ["scaffold", "gradescope", str(folder)])
    assert again.exit_code == 2 and "already exist" in again.output


def test_classroom_scaffold_has_one_graded_step_per_drill_and_the_reporter(tmp_path: Path, catalogue: Catalogue) -> None:
    result = CliRunner().invoke(app, ["scaffold", "classroom", str(tmp_path)])
    assert result.exit_code == 0, result.output
    workflow = (tmp_path / ".github" / "workflows" / "classroom.yml").read_text()
    assert workflow.count("uses: classroom-resources/autograding-command-grader@v1") == len(catalogue.drills)
    for drill in catalogue.drills:
        assert f"      id: {drill.id}\n" in workflow
        assert f"command: drilltutor grade . --drill={drill.id} --timeout=60 --strict" in workflow
        assert f'{drill.id.upper()}_RESULTS: "${{{{steps.{drill.id}.outputs.result}}}}"' in workflow
    assert f"runners: {','.join(d.id for d in catalogue.drills)}\n" in workflow
    assert "\t" not in workflow


@pytest.mark.posix("symbolic links")
def test_a_learner_file_that_is_a_link_is_not_read_nor_run(tmp_path: Path, catalogue: Catalogue, as_user_not_root: None) -> None:
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "drill_1_hashing.py").symlink_to("/etc/passwd")
    never = _FakeRun(catalogue, 99)
    (graded,) = grading.grade(catalogue, folder, runner=never).drills
    assert never.calls == 0 and graded.score == 0
    assert all("symbolic link" in c.text for c in graded.checks)


def test_the_command_line_s_grade_limit_is_the_grading_one() -> None:
    from drilltutor import cli

    assert cli.GRADE_TIMEOUT == grading.GRADE_TIMEOUT


_LINGERER = '''
import os, time
from passlib.context import CryptContext

pwd = CryptContext(schemes=["bcrypt"], deprecated="auto")
if os.fork() == 0:  # a child that outlives the file's run, then forges the grade file
    os.setsid()
    if os.fork() == 0:
        time.sleep({delay})
        with open(bytes.fromhex("{target}").decode(), "w") as handle:
            handle.write("forged")
    os._exit(0)
stored = pwd.hash("hunter2pls")
print(pwd.verify("hunter2pls", stored))
print(pwd.verify("hunter2plz", stored))
'''


@pytest.mark.linux("fork and setsid in the learner's file; the run's processes are found through /proc")
def test_the_grade_file_is_written_after_every_learner_process_is_gone(tmp_path: Path, as_user_not_root: None) -> None:
    out = tmp_path / "results.json"
    delay = 3.0
    folder = _one_file(tmp_path, "drill_1_hashing.py", _LINGERER.format(delay=delay, target=str(out).encode().hex()))
    started = time.monotonic()
    assert _grade([str(folder), "--out", str(out)]).exit_code == 0
    time.sleep(max(0.0, delay + 1 - (time.monotonic() - started)))
    assert json.loads(out.read_text(encoding="utf-8"))["max_score"] == 10  # never overwritten: the lingerer was stopped with its run


@pytest.mark.linux("the Windows-like simulation is built on Linux")
def test_under_the_windows_like_simulation_the_grade_says_the_code_ran_with_the_grader_s_rights(tmp_path: Path) -> None:
    """No user to switch to there, even for an administrator: the grade is written, and says so once."""
    from tests.test_platforms import _cli

    done = _cli("windows", tmp_path, "grade", str(SUBMISSION), "-d", "1", "-d", "3", "--out", str(tmp_path / "results.json"), "--timeout", "120")
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert (document["score"], document["max_score"]) == (10, 20)
    assert document["output"].count("grader's own rights") == 1 and done.stderr.count("grader's own rights") == 1


def test_an_instructor_s_own_drills_ship_with_gradescope_and_are_refused_in_a_classroom_repository(tmp_path: Path) -> None:
    own = FIXTURES / "drills"
    result = CliRunner().invoke(app, ["scaffold", "gradescope", str(tmp_path / "ag"), "--drills-dir", str(own)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ag" / "drills" / "answer" / "checks.py").is_file()
    assert "--drills-dir=/autograder/source/drills" in (tmp_path / "ag" / "run_autograder").read_text()
    refused = CliRunner().invoke(app, ["scaffold", "classroom", str(tmp_path / "repo"), "--drills-dir", str(own)], env={"COLUMNS": "1000"})
    assert refused.exit_code == 2 and "would not stay hidden" in refused.output
    assert not (tmp_path / "repo").exists()
    unknown = CliRunner().invoke(app, ["scaffold", "moodle", str(tmp_path / "x")], env={"COLUMNS": "1000"})
    assert unknown.exit_code == 2 and "is not one of" in unknown.output
