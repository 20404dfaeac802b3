"""Hidden checks for tests · verify: the learner's own pytest suite for the Tasks API.

The suite must pass against the reference Tasks API (the project drill's solution) and fail
against each broken copy of it in copies.toml, each of which breaks one behaviour the prompt
lists. One check line per copy, named by the behaviour it breaks, never by its code.
"""

from pathlib import Path

from drilltutor import datafile
from drilltutor.checking import Ctx, Failure, check
from drilltutor.checking.suite import EXIT_NO_TESTS, SuiteRun, run_versions
from drilltutor.models import CopiesFile
from drilltutor.variants import Variant, load_variants

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parent / "project-tasks" / "solution.py"
COPIES_FILE = HERE / "copies.toml"
COPIES = load_variants(COPIES_FILE, "copy", REFERENCE)
FIXES = {entry.name: entry.fix for entry in datafile.load(COPIES_FILE, CopiesFile).copy}
TEST_FILE = "test_tasks_api.py"  # the contract's name: pytest collects test_*.py
# What the reference, the tests and pytest's own plugins import, loaded once and shared by every
# run of the suite (found by comparing sys.modules before and after a run).
PRELOAD = [
    "fastapi", "fastapi.security", "fastapi.testclient", "pydantic", "jwt", "pwdlib", "pwdlib.hashers.bcrypt", "httpx",
    "anyio._backends._asyncio", "anyio.streams.memory", "pdb", "unittest", "xml.etree.ElementTree",
    "_pytest.junitxml", "_pytest.unittest", "_pytest.faulthandler", "_pytest.warnings", "_pytest.skipping", "_pytest.pastebin",
]  # fmt: skip
RUN_TIMEOUT = 20.0  # seconds for one run of the suite; the suite itself takes about one
BUDGET = 60.0  # seconds for all the runs together (drill.toml gives the whole run 90)


def _runs(ctx: Ctx) -> dict[str, SuiteRun]:
    if "runs" not in ctx.state:
        versions = {"reference": REFERENCE.read_text(encoding="utf-8")}
        versions.update((copy.name, copy.source()) for copy in COPIES)
        ctx.state["runs"] = run_versions(
            ctx.source, TEST_FILE, "tasks_api", versions, preload=PRELOAD, timeout=RUN_TIMEOUT, budget=BUDGET
        )
    return ctx.state["runs"]


def _first_error_line(report: str) -> str:
    """The error itself from pytest's report of a file it could not load: its last `E` line."""
    errors = [line[1:].strip() for line in report.splitlines() if line.startswith("E ")]
    return errors[-1] if errors else (report.strip().splitlines() or ["(no report)"])[-1]


@check("reference", "your tests pass against a correct Tasks API")
def reference(ctx: Ctx) -> None:
    run = _runs(ctx)["reference"]
    if run.passed:
        return
    sent = f"your {TEST_FILE}, run with pytest against a correct Tasks API (the project drill's reference)"
    if not run.ran:
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
            fix="fix the error pytest shows below; import only what the Tasks API has (app, make_token, ...) and modules that are installed",
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
        raise Failure(
            sent=sent,
            got=f"{len(run.failed)} of {len(run.tests)} tests failed: {names}",
            expected="every test to pass against a correct app: a test that fails there expects the wrong thing",
            fix="read what the correct app really answered (below) and correct that test's expectation, or the request it sends",
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


def _catches(copy: Variant):
    def catches(ctx: Ctx) -> None:
        run = _runs(ctx)[copy.name]
        if run.ran and not run.passed:
            return  # a test failed (or the run did not get through): the break was noticed
        sent = f"your tests, run against a copy of the Tasks API with one bug: {copy.why}"
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
        CHECK_PER_VARIANT["id"].format(name=_copy.name), CHECK_PER_VARIANT["title"].format(why=_copy.why), needs=("reference",)
    )(_catches(_copy))
