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
from drilltutor.mutation import ALLOWED, EQUIVALENT, Excuse, load_explanations, replayed, score
from drilltutor.results import CheckResult, RunReport

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
        ("raise HTTPException(401)\n", "status-code", ("raise HTTPException(400)", "raise HTTPException(500)")),
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
        ("jwt.decode(t, k, leeway=5)\n", "drop-keyword", ("jwt.decode(t, k)",)),
        ("f(a=1, b=2)\n", "drop-keyword", ("f(b=2)", "f(a=1)")),
        ("d = {'sub': u, 'role': r}\n", "dict-entry", ("d = {'role': r}", "d = {'sub': u}")),
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


@pytest.mark.parametrize(
    ("source", "operator", "expected"),
    [
        ("stored = pwd.hash(body.password)\n", "plain-hash", ("stored = body.password",)),
        ("stored = password_hash.hash(p)\n", "plain-hash", ("stored = p",)),
        ("h = bcrypt.hashpw(p.encode(), bcrypt.gensalt()).decode()\n", "plain-hash", ("h = p.encode().decode()",)),
        ("ok = pwd.verify(form.password, user['hashed_password'])\n", "plain-verify", ("ok = (form.password == user['hashed_password'])",)),
        ("ok = bcrypt.checkpw(p.encode(), h.encode())\n", "plain-verify", ("ok = (p.encode() == h.encode())",)),
        ("ok = hmac.compare_digest(a, b)\n", "secret-compare", ("ok = (a == b)",)),
        ("payload = {'sub': u, 'exp': e}\n", "drop-exp", ("payload = {'sub': u}",)),
        ("payload['exp'] = e\n", "drop-exp", ("pass",)),
        ("e = now + timedelta(minutes=30)\n", "long-lifetime", ("e = now + timedelta(minutes=(30) * 1000)",)),
        ("ACCESS_TOKEN_EXPIRE_MINUTES = 30\n", "long-lifetime", ("ACCESS_TOKEN_EXPIRE_MINUTES = 30 * 1000",)),
        ("def make_token(u, minutes=30):\n    return u\n", "long-lifetime", ("def make_token(u, minutes=30 * 1000):",)),
        ("c = jwt.decode(t, k, algorithms=['HS256'])\n", "verify-off", ('c = jwt.decode(t, k, algorithms=[\'HS256\'], options={"verify_signature": False})', 'options={"verify_exp": False})')),
        ("c = jwt.decode(t, k, algorithms=['HS256'])\n", "algorithms", ("c = jwt.decode(t, k)", "c = jwt.decode(t, k, algorithms=['HS256', \"none\"])", '"HS512"]')),
        (
            "try:\n    c = jwt.decode(t, k)\nexcept JWTError:\n    raise unauthorized\n",
            "error-detail",
            ("except JWTError as exc:\nraise HTTPException(status_code=401, detail=str(exc), headers={\"WWW-Authenticate\": \"Bearer\"}) from None",),
        ),
        ("e = HTTPException(401, 'no', headers={'WWW-Authenticate': 'Bearer'})\n", "drop-www-authenticate", ("e = HTTPException(401, 'no')",)),
        ("raise HTTPException(status_code=403)\n", "401-403", ("raise HTTPException(status_code=401)",)),
        ("raise HTTPException(status.HTTP_401_UNAUTHORIZED)\n", "401-403", ("raise HTTPException(status.HTTP_403_FORBIDDEN)",)),
        (
            "class In(BaseModel):\n    name: str\n\ndef register(body: In):\n    role = 'admin' if body.name in ADMINS else 'user'\n",
            "role-from-request",
            ("role: str = \"user\"\nrole = body.role",),
        ),
        (
            "def current(token):\n    sub = jwt.decode(token, K, algorithms=['HS256'])['sub']\n    user = users.get(sub)\n    return user\n",
            "skip-lookup",
            ('user = {"username": sub, "email": sub, "role": "user"}',),
        ),
        ("def f():\n    raise HTTPException(401)\n", "drop-raise", ("HTTPException(401)",)),
        ("async def f():\n    return await g()\n", "drop-await", ("return (g())",)),
    ],
)
def test_each_security_operator_makes_its_mistake(source: str, operator: str, expected: tuple[str, ...]) -> None:
    made = [new for _, new in changes(source, operator)]
    assert made, f"{operator} made nothing"
    for line in expected:
        assert any(line in new for new in made), (line, made)
    assert all(m.family == "security" for m in generate(textwrap.dedent(source)) if m.operator == operator)


def test_a_role_already_read_from_the_body_and_hashing_elsewhere_are_left_alone() -> None:
    source = "class In(BaseModel):\n    role: str = 'user'\n\ndef register(body: In):\n    return {'role': body.role}\n\nd = hashlib.sha256(b'x').hexdigest()\nc = jwt.hash(x)\n"
    assert not [m for m in generate(source) if m.operator in ("role-from-request", "plain-hash")]


def test_the_plain_password_mistake_changes_every_hash_and_verify_at_once() -> None:
    source = "pwd = CryptContext(schemes=['bcrypt'])\nstored = pwd.hash(p)\nok = pwd.verify(p, stored)\n"
    (mutant,) = [m for m in generate(source) if m.operator == "plain-password"]
    assert mutant.source == "pwd = CryptContext(schemes=['bcrypt'])\nstored = p\nok = (p == stored)\n"
    assert [m.operator for m in generate("x = pwd.hash(p)\n") if m.family == "security"] == ["plain-hash"]  # no verify: nothing to combine


def test_a_security_mutant_takes_the_place_of_the_syntactic_twin() -> None:
    made = [(m.operator, m.family) for m in generate("x = jwt.decode(t, k, algorithms=['HS256'])\n")]
    assert ("algorithms", "security") in made and "drop-keyword" not in [op for op, _ in made]


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
    explanations = {
        "delete:<module>:1": Excuse("harmless", EQUIVALENT),
        "delete:<module>:2": Excuse("was a survivor", EQUIVALENT),
        "delete:<module>:gone": Excuse("old", EQUIVALENT),
    }
    result = score("d", "x = 1\n", mutants, [False, True, False], True, explanations)
    assert (result.mutants, result.killed, round(result.score, 2)) == (3, 1, 0.33)
    assert [(s.id, s.why) for s in result.survivors] == [("delete:<module>:1", "harmless"), ("delete:<module>:3", "")]
    assert [s.id for s in result.unexplained] == ["delete:<module>:3"] and not result.ok
    assert {s.id: s.reason.split()[0] for s in result.stale} == {"delete:<module>:2": "now", "delete:<module>:gone": "no"}
    assert "-x = 1" in result.survivors[0].diff and "+pass" in result.survivors[0].diff


def test_a_stale_entry_alone_fails() -> None:
    result = score("d", "x = 1\n", [mutant("m")], [True], True, {"gone": Excuse("old", EQUIVALENT)})
    assert not result.unexplained and result.stale and not result.ok


CONTRACT_TEXT = "A drill is named by its id.\nEvery one of those 401s has the same body (it never\nsays which check failed).\n"


@pytest.mark.parametrize(
    ("quote", "problem"),
    [
        ("Every one of those 401s has the same body (it never says which check failed).", ""),  # wrapped in the file: still one sentence
        ("", "allowed by no sentence"),
        ("Every 401 body may say what went wrong.", "no such sentence"),
        ("the same body", "too short"),
    ],
)
def test_an_allowance_must_quote_the_contract(quote: str, problem: str) -> None:
    result = score("d", "x = 1\n", [mutant("m")], [False], True, {"m": Excuse("detail text", ALLOWED, quote)}, CONTRACT_TEXT)
    (survivor,) = result.survivors
    assert (problem in survivor.problem) if problem else survivor.problem == ""
    assert result.ok is not bool(problem)


def test_an_allowance_without_a_contract_to_check_does_not_hold() -> None:
    result = score("d", "x = 1\n", [mutant("m")], [False], True, {"m": Excuse("x", ALLOWED, "a whole sentence of four words")}, None)
    assert "no contract" in result.survivors[0].problem and not result.ok


def report(*entries: tuple[str, str, str], passed: bool = True) -> RunReport:
    checks = [CheckResult("c", "c", "passed" if passed else "failed")]
    return RunReport("d", "f.py", checks=checks, transcript=[list(e) for e in entries])


SAME = (("http", "GET /me", "200 {}"), ("call", "pwd.verify", "True"))


@pytest.mark.parametrize(
    ("references", "mutant_run", "problem"),
    [
        ((report(*SAME), report(*reversed(SAME))), report(*SAME), ""),  # order is not compared: parallel calls interleave
        ((report(*SAME), report(*SAME)), report(("http", "GET /me", "401 {}"), SAME[1]), "answers differently (http GET /me: the reference answered '200 {}', the mutant '401 {}')"),
        ((report(*SAME), report(*SAME)), report(SAME[0]), "only the reference was sent call pwd.verify"),
        ((report(*SAME), report(SAME[0])), report(*SAME), "the reference's two replays differ"),
        ((report(), report()), report(), "recorded nothing"),
        ((report(*SAME, passed=False), report(*SAME)), report(*SAME), "failed its own replay"),
    ],
)
def test_an_equivalence_is_proven_by_the_replay(references: tuple[RunReport, RunReport], mutant_run: RunReport, problem: str) -> None:
    result = score("d", "x = 1\n", [mutant("m")], [False], True, {"m": Excuse("same", EQUIVALENT)})
    judged = replayed(result, list(references), {"m": mutant_run})
    (survivor,) = judged.survivors
    assert (problem in survivor.problem) if problem else survivor.problem == "", survivor.problem
    assert judged.ok is not bool(problem)
    assert judged.families["syntax"].explained == (0 if problem else 1)


def test_explanations_load_and_refuse_a_missing_why_or_excuse(tmp_path: Path) -> None:
    path = tmp_path / "mutants.toml"
    assert load_explanations(path) == {}
    path.write_text('[[survivor]]\nid = "delete:f:1"\nwhy = "dead code"\nexcuse = "equivalent"\n', encoding="utf-8")
    assert load_explanations(path) == {"delete:f:1": Excuse("dead code", EQUIVALENT)}
    path.write_text('[[survivor]]\nid = "d:f:1"\nwhy = "free"\nexcuse = "allowed"\ncontract = "a quoted sentence of the contract"\n', encoding="utf-8")
    assert load_explanations(path)["d:f:1"].contract == "a quoted sentence of the contract"
    for broken, field in (
        ('id = "delete:f:1"\nexcuse = "equivalent"\n', "why"),
        ('id = "delete:f:1"\nwhy = "dead code"\n', "excuse"),
        ('id = "x"\nwhy = "y"\nexcuse = "harmless"\n', "excuse"),
        ('id = "x"\nwhy = "y"\nexcuse = "allowed"\n', "contract"),
    ):
        path.write_text("[[survivor]]\n" + broken, encoding="utf-8")
        with pytest.raises(DrilltutorError, match=rf"mutants.toml, line \d+, field `survivor\[1\].{field}`"):
            load_explanations(path)


def copy_fixture(tmp_path: Path, solution: str = "answer = 42\nunused = 7\nprint(answer)\n") -> Path:
    """The fixture catalogue with one drill, whose reference has a line the checks cannot see."""
    drills = tmp_path / "drills"
    folder = drills / "answer"
    folder.mkdir(parents=True)
    for path in (FIXTURE_DRILLS / "answer").iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "solution.py").write_text(solution, encoding="utf-8")
    return drills


def test_dev_mutants_fails_on_an_unexplained_survivor_and_passes_once_proven_equivalent(tmp_path: Path) -> None:
    drills = copy_fixture(tmp_path)
    cli = CliRunner()
    first = cli.invoke(app, ["dev", "mutants", "--drills-dir", str(drills), "-j", "2", "--json"])
    assert first.exit_code == 1, first.output
    document = json.loads(first.output)
    (result,) = document["drills"]
    assert result["reference_passes"] and result["killed"] >= 1
    assert set(result["families"]) == {"security", "syntax"} and document["security"]["mutants"] == result["families"]["security"]["mutants"]
    survivors = {s["description"]: s["id"] for s in result["survivors"]}
    assert set(survivors) == {"7 -> 8", "deleted `unused = 7`"}
    lines = "".join(f'[[survivor]]\nid = "{i}"\nwhy = "never read"\nexcuse = "equivalent"\n' for i in survivors.values())
    (drills / "answer" / "mutants.toml").write_text(lines, encoding="utf-8")
    second = cli.invoke(app, ["dev", "mutants", "--drills-dir", str(drills), "-j", "2"])
    assert second.exit_code == 0, second.output
    assert "never read" in second.output and "0 survivor(s) nobody explained" in second.output


def test_dev_mutants_refuses_an_equivalence_the_replay_disproves(tmp_path: Path) -> None:
    drills = copy_fixture(tmp_path, "answer = 42\nprint(answer)\nprint('done')\n")  # the checks never look at the second line
    cli = CliRunner()
    first = json.loads(cli.invoke(app, ["dev", "mutants", "--drills-dir", str(drills), "-j", "2", "--json"]).output)
    survivors = {s["description"]: s["id"] for s in first["drills"][0]["survivors"]}
    printed = survivors["deleted `print('done')`"]
    (drills / "answer" / "mutants.toml").write_text(f'[[survivor]]\nid = "{printed}"\nwhy = "only a goodbye"\nexcuse = "equivalent"\n', encoding="utf-8")
    second = cli.invoke(app, ["dev", "mutants", "--drills-dir", str(drills), "-j", "2", "--json"])
    assert second.exit_code == 1
    (judged,) = [s for s in json.loads(second.output)["drills"][0]["survivors"] if s["id"] == printed]
    assert "not equivalent" in judged["problem"] and "done" in judged["problem"]


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
