"""Rendering an API afresh (drilltutor.checking.disguise): other names, order and layout, the same
behaviour. Proved here on small modules whose behaviour is read back, and on the tests drill's own
APIs: rendered, they still pass the project drill's checks and the reference suite, and still
break what their copy breaks."""

from __future__ import annotations

import ast
import importlib.util
import random
import subprocess
import sys
import types
from pathlib import Path

import pytest

from drilltutor import devcheck
from drilltutor.checking.disguise import render
from drilltutor.paths import bundled_drills_dir
from drilltutor.runner import run_drill

DRILL = bundled_drills_dir() / "tests-verify"
REFERENCE = bundled_drills_dir() / "project-tasks" / "solution.py"
SECOND = DRILL / "apis" / "second.py"
KEEP = {"app", "make_token"}


def _checks() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("tests_verify_checks_for_disguise", DRILL / "checks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _identifiers(source: str) -> set[str]:
    tree = ast.parse(source)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    names |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    return names | {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}


def _run(source: str, call: str) -> object:
    namespace: dict[str, object] = {}
    exec(compile(source, "<rendered>", "exec"), namespace)  # noqa: S102  (our own small modules)
    return eval(call, namespace)  # noqa: S307


SMALL = '''"""A docstring that says which file this is."""
LIMIT = 3  # a comment


class Box:
    size: int = 2  # a class attribute: read by name

    def grow(self, by):
        total = self.size + by
        return total


def helper(values):
    kept = [v for v in values if v < LIMIT]
    return sum(kept)


counter = 0


def bump():
    global counter
    counter += 1
    return counter


twice = helper([1, 2, 5]) * 2  # reads helper at load time, and through it LIMIT


def api(values, scale=1):
    label = 'n=%d' % len(values)
    return (label, helper(values) * scale + Box().grow(1) + bump() + twice, (lambda x: x + 1)(scale))
'''


def test_behaviour_stays_while_names_order_and_layout_change() -> None:
    expected = _run(SMALL, "api([1, 2, 3, 4], scale=3)")
    renders = [render(SMALL, {"api"}, random.Random(seed)) for seed in range(40)]
    for rendered in renders:
        assert _run(rendered, "api([1, 2, 3, 4], scale=3)") == expected, rendered
        names = _identifiers(rendered)
        assert not names & {"LIMIT", "Box", "helper", "counter", "bump", "twice", "kept", "total", "label"}, rendered
        assert {"api", "values", "scale", "by", "size", "grow"} <= names  # a caller's names, parameters and attributes
        assert "docstring" not in rendered and "a comment" not in rendered
    assert len(set(renders)) == len(renders)  # every run its own
    orders = {tuple(type(node).__name__ for node in ast.parse(r).body) for r in renders}
    assert len(orders) > 1  # the order of independent definitions changes
    assert {"'n=%d'" in r for r in renders} == {True, False}  # the quote style changes
    indents = {len(line) - len(line.lstrip(" ")) for r in renders for line in r.splitlines() if line.startswith(" ") and not line.lstrip().startswith("#")}
    assert len(indents) > 2  # and the indentation


def test_what_fastapi_or_a_caller_reads_by_name_keeps_its_name() -> None:
    source = '''
from typing import Annotated
from fastapi import Depends, FastAPI
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    title: str


def current(token: str = Depends(lambda: "t")) -> str:
    return token


Who = Annotated[str, Depends(current)]


@app.post("/items/{item_id}")
def create(item_id: int, item: Item, who: Who, verbose: bool = False, limit: int = 3) -> dict:
    result = {"id": item_id, "title": item.title, "who": who, "verbose": verbose, "limit": limit}
    return result


@app.post("/pair")
def pair(first: Item, second: Item) -> list:
    return [first.title, second.title]
'''
    for seed in range(10):
        tree = ast.parse(render(source, {"app"}, random.Random(seed)))
        routes = {f.args.args[0].arg: [a.arg for a in f.args.args] for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.decorator_list}
        create, pair = routes["item_id"], routes["first"]
        assert create[0] == "item_id" and create[3:] == ["verbose", "limit"]  # path and query parameters
        assert "item" not in create and "who" not in create  # filled by type: renamed
        assert pair == ["first", "second"]  # two bodies: FastAPI reads each by its name
        fields = [n.target.id for n in ast.walk(tree) if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)]
        assert fields == ["title"]


def test_the_app_still_answers_the_same_after_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rendered FastAPI app, driven by requests: the same answers as the file it came from."""
    from fastapi.testclient import TestClient

    monkeypatch.setenv("SECRET_KEY", "a-secret-for-the-tasks-api-of-32-bytes")

    source = SECOND.read_text(encoding="utf-8")
    for seed in range(3):
        rendered = render(source, KEEP, random.Random(seed))
        module = types.ModuleType("tasks_api_rendered")
        exec(compile(rendered, "<rendered>", "exec"), module.__dict__)  # noqa: S102
        client = TestClient(module.app)
        assert client.post("/register", json={"username": "ada", "password": "pw", "role": "admin"}).json() == {"username": "ada", "role": "admin"}
        token = client.post("/token", data={"username": "ada", "password": "pw"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        task = client.post("/tasks", json={"title": "t"}, headers=headers).json()
        assert task == {"id": 1, "title": "t", "owner": "ada"}
        assert client.get("/tasks", headers=headers).json() == [task]
        assert client.delete("/tasks/1", headers=headers).status_code == 204
        expired = {"Authorization": f"Bearer {module.make_token('ada', minutes=-1)}"}
        assert client.get("/tasks", headers=expired).status_code == 401


@pytest.mark.parametrize("api", [REFERENCE, SECOND], ids=["reference", "second"])
def test_a_rendered_api_still_passes_the_project_drills_checks(catalogue, tmp_path: Path, api: Path) -> None:
    learner = tmp_path / "tasks_api.py"
    learner.write_text(render(api.read_text(encoding="utf-8"), KEEP, random.Random()), encoding="utf-8")
    report = run_drill(catalogue, catalogue.find("project"), learner, devcheck.AUTHOR_OPTIONS)
    assert report.passed, report.to_dict()


def test_every_api_the_suite_meets_is_rendered_and_the_reference_suite_still_judges_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    checks = _checks()
    first, again = checks.versions(random.Random(1)), checks.versions(random.Random(2))
    assert list(first)[0] == "reference" and set(first) == {"reference", "second", *(c.name for c in checks.COPIES)}
    assert list(first)[1:] != list(again)[1:]  # the second API comes at a random place among the copies
    for label, source in first.items():
        assert source != again[label]
        assert not {"get_current_user", "require_admin", "users", "tasks", "RegisterIn", "Store", "current_user"} & _identifiers(source), label
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SECRET_KEY", "a-secret-for-the-tasks-api-of-32-bytes")
    suite = (DRILL / "solution.py").read_text(encoding="utf-8")
    runs = checks.run_versions(suite, "test_tasks_api.py", "tasks_api", first, names=tuple(sorted(checks.KEEP)), preload=checks.PRELOAD, timeout=300, budget=600, correct={"second"})
    assert runs["reference"].passed and runs["second"].passed, (runs["reference"], runs["second"])
    assert sorted(label for label, run in runs.items() if run.passed) == ["reference", "second"]  # every copy caught
    assert all(run.ran for run in runs.values())


@pytest.mark.parametrize("forgery", ["forges_the_source.py", "reads_function_names.py", "greps_what_a_copy_adds.py", "reads_the_apps_routes.py"])
def test_a_forgery_that_passes_beside_the_api_s_code_fails_where_the_drill_runs_it(forgery: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each forging suite of mistakes/ passes with pytest where the API's code sits beside it as
    tasks_api.py, the reference plain (forges_the_source.py and reads_function_names.py read
    what rendering changes) or rendered (greps_what_a_copy_adds.py and reads_the_apps_routes.py
    read what it keeps). Run as the drill runs it, with the code in a process of its own and a
    stand-in in the folder, each fails against the reference."""
    checks = _checks()
    monkeypatch.setenv("SECRET_KEY", "a-secret-for-the-tasks-api-of-32-bytes")
    suite = (DRILL / "mistakes" / forgery).read_text(encoding="utf-8")
    reference = REFERENCE.read_text(encoding="utf-8")
    beside = reference if forgery in ("forges_the_source.py", "reads_function_names.py") else render(reference, KEEP, random.Random())
    (tmp_path / "tasks_api.py").write_text(beside, encoding="utf-8")
    (tmp_path / "test_tasks_api.py").write_text(suite, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    alone = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_tasks_api.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert alone.returncode == 0, alone.stdout[-3000:]
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    runs = checks.run_versions(suite, "test_tasks_api.py", "tasks_api", checks.versions(random.Random()), names=tuple(sorted(checks.KEEP)), preload=checks.PRELOAD, timeout=300, budget=600)
    assert not runs["reference"].passed


def test_a_render_depends_on_its_inputs_only() -> None:
    """The same source and generator give the same file, wherever it is called from."""
    source = REFERENCE.read_text(encoding="utf-8")
    assert render(source, KEEP, random.Random(7)) == render(source, KEEP, random.Random(7))
