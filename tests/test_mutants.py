"""The mutant generator (pure), the explanations, and `dev mutants` end to end on the fixture drill."""

from __future__ import annotations

import ast
import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drilltutor.cli import app
from drilltutor.errors import DrilltutorError
from drilltutor.mutants import Mutant, generate
from drilltutor.mutation import load_explanations, score

FIXTURE_DRILLS = Path(__file__).parent / "fixtures" / "drills"


def changes(source: str, operator: str) -> list[tuple[str, str]]:
    """(the reference's changed line(s), the mutant's) for each mutant of `operator`, as text."""
    found = []
    for mutant in generate(textwrap.dedent(source)):
        if mutant.operator == operator:
            diff = mutant.diff(textwrap.dedent(source)).splitlines()[2:]
            old = "\n".join(line[1:].strip() for line in diff if line.startswith("-"))
            new = "\n".join(line[1:].strip() for line in diff if line.startswith("+"))
            found.append((old, new))
    return found


@pytest.mark.parametrize(
    ("source", "operator", "expected"),
    [
        ("raise HTTPException(401)\n", "status-code", ("raise HTTPException(403)",)),
        ("raise HTTPException(status.HTTP_401_UNAUTHORIZED)\n", "status-code", ("raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR)",)),
        ("@app.post('/r', status_code=201)\ndef r(): ...\n", "status-code", ("@app.post('/r', status_code=200)",)),
        ("minutes = 30\n", "constant", ("minutes = 3",)),
        ("strict = True\n", "constant", ("strict = False",)),
        ("ok = a == b\n", "compare", ("ok = a != b",)),
        ("ok = name in admins\n", "compare", ("ok = name not in admins",)),
        ("ok = n < 3\n", "compare", ("ok = n >= 3", "ok = n <= 3")),
        ("if not ok:\n    x = 1\n", "condition", ("if (ok):",)),
        ("if ok:\n    x = 1\n", "condition", ("if not (ok):",)),
        ("ok = a and b\n", "condition", ("ok = (a) or (b)",)),
        ("x = 1\ny = 2\n", "delete", ("pass",)),
        ("jwt.decode(t, k, algorithms=['HS256'])\n", "drop-keyword", ("jwt.decode(t, k)",)),
        ("f(a=1, b=2)\n", "drop-keyword", ("f(b=2)", "f(a=1)")),
        ("d = {'sub': u, 'exp': e}\n", "dict-entry", ("d = {'exp': e}", "d = {'sub': u}")),
        ("alg = 'HS256'\n", "string", ("alg = 'HS512'", "alg = 'none'")),
        ("def f():\n    return x\n", "return-none", ("return None",)),
        ("try:\n    x()\nexcept E:\n    y()\n", "except", ("except ArithmeticError:",)),
        ("try:\n    x()\nexcept Exception:\n    y()\n", "except", ("except ValueError:", "except ArithmeticError:")),
        ("try:\n    x()\nexcept (A, B):\n    y()\n", "except", ("except B:", "except A:")),
    ],
)
def test_each_operator_makes_its_mutant(source: str, operator: str, expected: tuple[str, ...]) -> None:
    made = [new for _, new in changes(source, operator)]
    for line in expected:
        assert any(line in new for new in made), (line, made)


def test_a_removed_try_keeps_its_body_dedented_and_drops_the_handlers() -> None:
    source = "def f():\n    try:\n        a = g()\n        b = h(a)\n    except E:\n        raise X\n    return b\n"
    (mutant,) = [m for m in generate(source) if m.operator == "remove-try"]
    assert mutant.source == "def f():\n    a = g()\n    b = h(a)\n    return b\n"


def test_a_mutant_changes_only_its_place_and_keeps_comments() -> None:
    source = "x = 401  # unauthorized\n\n\n# a comment\ny = {'a': 1,  'b': 2}\n"
    for mutant in generate(source):
        ast.parse(mutant.source)
        assert "# a comment" in mutant.source and "# unauthorized" in mutant.source
    assert "x = 400  # unauthorized\n" in [m.source.splitlines(keepends=True)[0] for m in generate(source)]


def test_no_mutants_in_the_module_docstring_imports_or_main_guard_and_no_duplicates() -> None:
    source = '"""Docstring 401."""\nimport os\n\nif __name__ == "__main__":\n    run(401)\n'
    assert generate(source) == []
    sources = [m.source for m in generate("def f(a):\n    if not a:\n        return 1\n    return 2\n")]
    assert len({ast.dump(ast.parse(s)) for s in sources}) == len(sources)


def test_ids_survive_unrelated_edits_and_differ_between_twins() -> None:
    before = "def f(x):\n    if x == 1:\n        raise E(401)\n    return x\n"
    after = '"""Now with a docstring."""\nimport os\n\nY = 5\n\n\ndef f(x):\n    # a comment\n    if x == 1:\n        raise E(401)\n    return x\n'
    ids_before = {m.id for m in generate(before)}
    ids_after = {m.id for m in generate(after)}
    assert ids_before <= ids_after
    twins = generate("a = 401\nb = 401\n")
    assert len({m.id for m in twins}) == len(twins)


def test_ids_name_the_operator_and_the_function() -> None:
    ids = [m.id for m in generate("class A:\n    def f(self):\n        return 401\n")]
    assert "status-code:A.f:" in " ".join(ids)
    assert all(i.count(":") == 2 for i in ids)


def mutant(id_: str) -> Mutant:
    return Mutant(id_, "delete", "deleted `x`", 1, "pass\n")


def test_score_matches_explanations_and_reports_stale_ones() -> None:
    mutants = [mutant("delete:<module>:1"), mutant("delete:<module>:2"), mutant("delete:<module>:3")]
    explanations = {"delete:<module>:1": "harmless", "delete:<module>:2": "was a survivor", "delete:<module>:gone": "old"}
    result = score("d", "x = 1\n", mutants, [False, True, False], True, explanations)
    assert (result.mutants, result.killed, round(result.score, 2)) == (3, 1, 0.33)
    assert [(s.id, s.why) for s in result.survivors] == [("delete:<module>:1", "harmless"), ("delete:<module>:3", "")]
    assert [s.id for s in result.unexplained] == ["delete:<module>:3"] and not result.ok
    assert {s.id: s.reason.split()[0] for s in result.stale} == {"delete:<module>:2": "now", "delete:<module>:gone": "no"}
    assert "-x = 1" in result.survivors[0].diff and "+pass" in result.survivors[0].diff


def test_a_drill_whose_reference_fails_is_not_ok_even_with_everything_killed() -> None:
    assert not score("d", "x = 1\n", [mutant("m")], [True], False, {}).ok


def test_explanations_load_and_refuse_a_missing_why(tmp_path: Path) -> None:
    path = tmp_path / "mutants.toml"
    assert load_explanations(path) == {}
    path.write_text('[[survivor]]\nid = "delete:f:1"\nwhy = "dead code"\n', encoding="utf-8")
    assert load_explanations(path) == {"delete:f:1": "dead code"}
    path.write_text('[[survivor]]\nid = "delete:f:1"\n', encoding="utf-8")
    with pytest.raises(DrilltutorError, match=r"mutants.toml, line 1, field `survivor\[1\].why`: Field required"):
        load_explanations(path)


def copy_fixture(tmp_path: Path) -> Path:
    """The fixture catalogue with one drill, whose reference has a line the checks cannot see."""
    drills = tmp_path / "drills"
    folder = drills / "answer"
    folder.mkdir(parents=True)
    for path in (FIXTURE_DRILLS / "answer").iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "solution.py").write_text("answer = 42\nunused = 7\nprint(answer)\n", encoding="utf-8")
    return drills


def test_dev_mutants_fails_on_an_unexplained_survivor_and_passes_once_explained(tmp_path: Path) -> None:
    drills = copy_fixture(tmp_path)
    cli = CliRunner()
    first = cli.invoke(app, ["dev", "mutants", "--drills-dir", str(drills), "-j", "2", "--json"])
    assert first.exit_code == 1, first.output
    (result,) = json.loads(first.output)["drills"]
    assert result["reference_passes"] and result["killed"] >= 1
    survivors = {s["description"]: s["id"] for s in result["survivors"]}
    assert set(survivors) == {"7 -> 8", "deleted `unused = 7`"}
    lines = "".join(f'[[survivor]]\nid = "{i}"\nwhy = "never read"\n' for i in survivors.values())
    (drills / "answer" / "mutants.toml").write_text(lines, encoding="utf-8")
    second = cli.invoke(app, ["dev", "mutants", "--drills-dir", str(drills), "-j", "2"])
    assert second.exit_code == 0, second.output
    assert "never read" in second.output and "0 survivor(s) nobody explained" in second.output


def test_stop_at_failure_skips_the_checks_after_the_first_failure(tmp_path: Path) -> None:
    from drilltutor.catalogue import load_catalogue
    from drilltutor.runner import RunOptions, run_drill

    catalogue = load_catalogue(FIXTURE_DRILLS)
    drill = catalogue.find("answer")
    wrong = tmp_path / drill.file
    wrong.write_text("answer = 41\nprint(42)\n", encoding="utf-8")
    report = run_drill(catalogue, drill, wrong, RunOptions(timeout=60, stop_at_failure=True))
    assert [(c.id, c.status, c.got) for c in report.checks] == [
        ("answer", "failed", "41"),
        ("printed", "skipped", "not run: answer failed first"),
    ]
