"""The slips kit: an HTTPException built but not raised, and a dependency as a plain default,
found in a learner's source and named only on a failure they explain."""

from __future__ import annotations

from pathlib import Path

from drilltutor.checking import Failure, kit
from drilltutor.checking.context import Ctx

slips = kit("slips")

SOURCE = '''
from fastapi import Depends, FastAPI, HTTPException

app = FastAPI()


def get_current_user(token: str = "") -> dict:
    return {}


def require_admin(user: dict = Depends(get_current_user)) -> dict:
    if user["role"] != "admin":
        HTTPException(status_code=403, detail="Admin privileges required")
    return user


@app.get("/tasks")
def list_tasks(user: dict = get_current_user) -> list:
    return []


@app.get("/me")
def me(user=get_current_user(), limit: int = 10) -> dict:
    return user
'''


def _ctx(source: str) -> Ctx:
    return Ctx(file=Path("tasks_api.py"), link=None, output="", secret="k", request_timeout=1.0, env={}, source=source)  # the slips kit reads the source only


def test_the_dropped_exception_is_found_on_its_line() -> None:
    (dropped,) = slips.unraised(SOURCE)
    assert dropped.lineno == 13


def test_a_dependency_named_or_called_as_a_default_is_found_and_depends_is_not() -> None:
    assert slips.plain_defaults(SOURCE) == [(18, "user", "get_current_user", False), (23, "user", "get_current_user()", True)]


def test_a_helper_that_is_no_dependency_may_be_a_default() -> None:
    helper = "def stamp() -> str:\n    return 'now'\n\n\ndef log(at=stamp, when=stamp()) -> None:\n    pass\n"
    assert slips.plain_defaults(helper) == []


def test_the_dropped_exception_is_named_only_on_a_failure_it_explains() -> None:
    went_through = Failure(sent="DELETE /tasks/1", got="204", expected="403")
    refused_wrongly = Failure(sent="DELETE /tasks/1", got="401", expected="403")
    said = slips.unraised_exception(_ctx(SOURCE), went_through)
    assert said is not None and "you built the exception but did not raise it" in said and "line 13" in said
    assert slips.unraised_exception(_ctx(SOURCE), refused_wrongly) is None
    assert slips.unraised_exception(_ctx("x = 1\n"), went_through) is None


def test_the_default_is_named_with_the_depends_that_replaces_it() -> None:
    said = slips.dependency_as_default(_ctx(SOURCE), Failure(got="422"))
    assert said is not None and "line 18" in said and "user=Depends(get_current_user)" in said


def test_a_slip_is_told_in_full_once_then_in_a_line_without_its_traceback() -> None:
    from drilltutor.harness import _Slips
    from drilltutor.results import FAILED, PASSED, CheckResult

    named = _Slips((slips.dependency_as_default,), _ctx(SOURCE))
    first = named.named(CheckResult("tasks-list", "t", FAILED, got="500", fix="look at the route", detail="Traceback ..."))
    again = named.named(CheckResult("tasks-create", "t", FAILED, got="500", fix="look at the route", detail="Traceback ..."))
    passed = CheckResult("login", "t", PASSED)
    assert first.fix.startswith("line 18:") and first.detail == "Traceback ..."
    assert again.fix == "the same slip as in tasks-list, above" and again.detail == ""
    assert named.named(passed) is passed
