"""Hidden checks for tests · verify: the learner's own pytest suite for the Tasks API.

The suite must pass against the reference Tasks API (the project drill's solution) and against
a second correct one written differently (apis/second.py), and fail against each broken copy
of the reference in copies.toml, each of which breaks one behaviour the prompt lists. One check
line per copy, named by the behaviour it breaks, never by its code.

No API's code is where the suite can read it: each runs in a process of its own, and the suite's
folder holds a stand-in that sends it requests (drilltutor.checking.apiserver). Every API is also
rendered afresh on each run (drilltutor.checking.disguise: other names, order and layout, the same
behaviour), each run is in a folder with a random name, and the second API runs at a random place
among the copies: a suite that recognises an API instead of testing it fails.
"""

import random
from pathlib import Path

from drilltutor import datafile
from drilltutor.checking import Ctx, Failure, check
from drilltutor.checking.disguise import render
from drilltutor.checking.suite import EXIT_NO_TESTS, SuiteRun, run_versions
from drilltutor.foldermodels import CopiesFile
from drilltutor.variants import Variant, load_variants

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parent / "project-tasks" / "solution.py"
SECOND = HERE / "apis" / "second.py"
KEEP = {"app", "make_token"}  # the names the prompt imports: the same in every API, all others differ
COPIES_FILE = HERE / "copies.toml"
COPIES = load_variants(COPIES_FILE, "copy", REFERENCE)
FIXES = {entry.name: entry.fix for entry in datafile.load(COPIES_FILE, CopiesFile).copy}
TEST_FILE = "test_tasks_api.py"  # the contract's name: pytest collects test_*.py
MODULE = "tasks_api"
# What the reference, the tests and pytest's own plugins import, loaded once and shared by every
# run of the suite (found by comparing sys.modules before and after a run).
PRELOAD = [
    "fastapi", "fastapi.security", "fastapi.testclient", "pydantic", "jwt", "pwdlib", "pwdlib.hashers.bcrypt", "httpx",
    "anyio._backends._asyncio", "anyio.streams.memory", "pdb", "unittest", "xml.etree.ElementTree",
    "_pytest.junitxml", "_pytest.unittest", "_pytest.faulthandler", "_pytest.warnings", "_pytest.skipping", "_pytest.pastebin",
]  # fmt: skip
RUN_TIMEOUT = 20.0  # seconds for one run of the suite; the suite itself takes about one
BUDGET = 110.0  # seconds for all the runs together (drill.toml gives the whole run 150)


def versions(rng: random.Random) -> dict[str, str]:
    """Every API the suite meets, each rendered afresh: the reference first (run_versions runs it
    among the first few, at a random place; when the suite fails there, the rest is not run), then
    the second correct API at a random place among the copies."""
    others = [("second", SECOND.read_text(encoding="utf-8")), *((copy.name, copy.source()) for copy in COPIES)]
    rng.shuffle(others)
    every = [("reference", REFERENCE.read_text(encoding="utf-8")), *others]
    return {label: render(source, KEEP, rng) for label, source in every}


def _saved_as(ctx: Ctx) -> str:
    """The learner's own file name, so that pytest's report names it; the contract's name when
    theirs could not stand beside the API (not a .py file, or the API's own name)."""
    name = ctx.file.name
    return name if name.endswith(".py") and name not in (f"{MODULE}.py", "conftest.py") else TEST_FILE


def _runs(ctx: Ctx) -> dict[str, SuiteRun]:
    if "runs" not in ctx.state:
        ctx.state["runs"] = run_versions(
            ctx.source,
            _saved_as(ctx),
            MODULE,
            versions(random.Random()),
            names=tuple(sorted(KEEP)),
            preload=PRELOAD,
            timeout=RUN_TIMEOUT,
            budget=BUDGET,
            correct={"second"},
        )
    return ctx.state["runs"]


def _first_error_line(report: str) -> str:
    """The error itself from pytest's report of a file it could not load: its last `E` line."""
    errors = [line[1:].strip() for line in report.splitlines() if line.startswith("E ")]
    return errors[-1] if errors else (report.strip().splitlines() or ["(no report)"])[-1]


def _passes(run: SuiteRun, sent: str, other: bool) -> None:
    """Fail unless the suite passed against a correct API, saying why it did not."""
    if run.passed:
        return
    if not run.ran:
        if other and not run.error:
            raise Failure(
                sent=sent,
                got=f"not run: the runs together took longer than {BUDGET:g} s",
                expected="every run to finish",
                fix="make the tests quicker: no time.sleep(), no loops of requests",
            )
        raise Failure(
            sent=sent,
            got=f"pytest could not be started: {(run.error.strip().splitlines() or ['no reason given'])[-1]}",
            expected="pytest to run your tests",
            fix="install drilltutor's dependencies again (pip install drilltutor installs pytest); `drilltutor doctor` lists what is missing",
            detail=run.error,
        )
    if run.collect_error:
        raise Failure(
            sent=sent,
            got=f"pytest could not load the file: {_first_error_line(run.collect_error)}",
            expected="the file to load: the app under test comes from `from tasks_api import app`",
            fix="fix the error pytest shows below; import from tasks_api only `app` and `make_token` (every other name differs from one Tasks API to the next), and only modules that are installed",
            detail=run.collect_error,
        )
    if run.timed_out:
        where = f" ({run.running} was running)" if run.running else ""
        raise Failure(
            sent=sent,
            got=f"the tests did not finish within {RUN_TIMEOUT:g} s{where}",
            expected="a suite that ends by itself, in about a second",
            fix="look in that test for a loop that never ends, input() or a long time.sleep()",
        )
    if run.exit_code == EXIT_NO_TESTS:
        raise Failure(
            sent=sent,
            got="pytest found no tests in the file",
            expected="test functions that pytest collects",
            fix="write each test as a function named test_... at the top level of the file, with assert statements in it",
        )
    if run.failed:
        names = ", ".join(f"{t.name} ({t.message.splitlines()[0]})" for t in run.failed)
        if other:
            expected = "every test to pass against any correct Tasks API: a test that fails here depends on how the reference is written, not on what the API does"
            fix = "test only what the prompt lists, through requests to `app` (and `make_token`): not a file's code, names, folder or the order the runs come in"
        else:
            expected = "every test to pass against a correct app: a test that fails there expects the wrong thing"
            fix = "read what the correct app really answered (below) and correct that test's expectation, or the request it sends"
        raise Failure(
            sent=sent,
            got=f"{len(run.failed)} of {len(run.tests)} tests failed: {names}",
            expected=expected,
            fix=fix,
            detail="\n\n".join(f"{t.name}:\n{t.detail}" for t in run.failed),
        )
    how = f"stopped by {run.signal}" if run.signal else f"exit status {run.exit_code}"
    where = f", while {run.running} was running" if run.running else ""
    raise Failure(
        sent=sent,
        got=f"the test run ended before reporting every test ({how}{where})",
        expected="pytest to run every test to the end",
        fix="remove anything in the tests that ends the program (os._exit, sys.exit, os.kill) or writes endless output",
    )


@check("reference", "your tests pass against a correct Tasks API")
def reference(ctx: Ctx) -> None:
    sent = f"your {ctx.file.name}, run with pytest against a correct Tasks API (the project drill's reference)"
    _passes(_runs(ctx)["reference"], sent, other=False)


@check("second-api", "your tests pass against another correct Tasks API, written differently", needs=("reference",))
def second_api(ctx: Ctx) -> None:
    sent = f"your {ctx.file.name}, run with pytest against another correct Tasks API (routers, a store object, async handlers, other names)"
    _passes(_runs(ctx)["second"], sent, other=True)


def _catches(copy: Variant):
    def catches(ctx: Ctx) -> None:
        run = _runs(ctx)[copy.name]
        if run.ran and not run.passed:
            return  # a test failed (or the run did not get through): the break was noticed
        sent = f"your {ctx.file.name}, run against a copy of the Tasks API with one bug: {copy.why}"
        if not run.ran:
            raise Failure(
                sent=sent,
                got=f"not run: the runs together took longer than {BUDGET:g} s",
                expected="every run to finish",
                fix="make the tests quicker: no time.sleep(), no loops of requests",
            )
        passed = "your one test passed" if len(run.tests) == 1 else f"all {len(run.tests)} of your tests passed"
        raise Failure(sent=sent, got=passed, expected="at least one test to fail", fix=FIXES[copy.name])

    return catches


# One check per broken copy, in the order copies.toml lists them; declared as data, so that the
# runner knows, without running anything, which checks a passing run must report.
CHECK_PER_VARIANT = {"file": "copies.toml", "table": "copy", "id": "catches-{name}", "title": "your tests catch {why}"}
for _copy in COPIES:
    globals()[f"catches_{_copy.name.replace('-', '_')}"] = check(
        CHECK_PER_VARIANT["id"].format(name=_copy.name), CHECK_PER_VARIANT["title"].format(why=_copy.why), needs=("reference", "second-api")
    )(_catches(_copy))
