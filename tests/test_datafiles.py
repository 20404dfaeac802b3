"""Every kind of drill data file, malformed in a fixture drill, is said in one format: the file,
the line and the field (drilltutor/datafile.py), the same where a command reads it and where
`dev check` proves it with pydantic."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Callable

import pytest

from drilltutor import datafile, devcheck
from drilltutor.catalogue import Catalogue, load_catalogue
from drilltutor.errors import DrilltutorError
from drilltutor.foldermodels import COURSE_FILES, DRILL_FILES
from drilltutor.mutation import load_explanations
from drilltutor.variants import load_variants
from tests.conftest import FIXTURES, bundled_drills_dir

VARIANT = """[[{table}]]
name = "first"
why = "fine"
{extra}
[[{table}.change]]
replace = "answer = 42"
with = "answer = 41"

[[{table}]]
name = "second"
why = "broken"
{extra}
[[{table}.change]]
replace = "answer = 42"
"""

Read = Callable[[Catalogue], object]


def _answer(catalogue: Catalogue):  # type: ignore[no-untyped-def]
    return catalogue.find("answer")


# (file under the fixture drills folder, its text, how a command reads it, line, field, problem)
CASES: dict[str, tuple[str, str, Read, int, str, str]] = {
    "drill.toml": (
        "answer/drill.toml",
        (FIXTURES / "drills/answer/drill.toml").read_text().replace("order = 1", 'order = "first"'),
        lambda c: c,
        5,
        "order",
        "Input should be a valid integer (it holds 'first')",
    ),
    "hints.toml": ("answer/hints.toml", '[[hint]]\ntext = "It is 42."\nchecks = "answer"\n', lambda c: _answer(c).hints, 3, "hint[1].checks", "Input should be a valid array (it holds 'answer')"),
    "cards.toml": (
        "answer/cards.toml",
        '[[card]]\nid = "a"\nfront = "Q?"\nback = "A."\n\n[[card]]\nid = "b"\nfront = "Q2?"\n',
        lambda c: _answer(c).cards,
        6,
        "card[2].back",
        "Field required",
    ),
    "course cards.toml": (
        "cards.toml",
        '[[card]]\nid = "a"\nfront = "Q?"\nback = "A."\n\n[[card]]\nid = "a"\nfront = "Q2?"\nback = "A2."\n',
        lambda c: c.cards,
        7,
        "card[2].id",
        "'a' is used by an earlier [[card]] too; each must be unique",
    ),
    "checklist.toml": ("checklist.toml", '[[item]]\nid = "x"\ntext = "y"\ntxt = "typo"\n', lambda c: c.checklist, 4, "item[1].txt", "Unexpected keyword argument"),
    "mistakes.toml": (
        "answer/mistakes.toml",
        VARIANT.format(table="mistake", extra='expect = ["answer"]'),
        lambda c: devcheck.mistakes(_answer(c)),
        13,
        "mistake[2].change[1].with",
        "Field required",
    ),
    "alternatives.toml": (
        "answer/alternatives.toml",
        VARIANT.format(table="alternative", extra="base = 3"),
        lambda c: devcheck.alternatives(_answer(c)),
        4,
        "alternative[1].base",
        "Input should be a valid string (it holds 3)",
    ),
    "copies.toml": (
        "answer/copies.toml",
        '[[copy]]\nname = "first"\nwhy = "breaks it"\n\n[[copy.change]]\nreplace = "answer = 42"\nwith = "answer = 41"\n',
        lambda c: load_variants(_answer(c).folder / "copies.toml", "copy", _answer(c).solution_path),
        1,
        "copy[1].fix",
        "Field required",
    ),
    "solution.toml": (
        "answer/solution.toml",
        '[[solution]]\nname = "reference"\nbase = "solution.py"\n',
        lambda c: load_variants(_answer(c).folder / "solution.toml", "solution", _answer(c).solution_path),
        1,
        "solution[1].change",
        "Field required",
    ),
    "mutants.toml": (
        "answer/mutants.toml",
        '[[survivor]]\nid = "delete:f:1"\nwhy = "dead code"\nexcuse = "equivalent"\n\n[[survivor]]\nid = "delete:f:2"\nwhy = "the status is free"\nexcuse = "allowed"\n',
        lambda c: load_explanations(_answer(c).folder / "mutants.toml"),
        6,
        "survivor[2].contract",
        'is needed when excuse = "allowed"',
    ),
    "properties.toml": (
        "answer/properties.toml",
        '[[property]]\nid = "the-answer"\nsays = "answer is 42"\nsource = "the fixture"\nchecks = []\n',
        lambda c: _answer(c).properties,
        5,
        "property[1].checks",
        "names no check",
    ),
}


def _fixture_drills(tmp_path: Path) -> Path:
    drills = tmp_path / "drills"
    shutil.copytree(FIXTURES / "drills", drills)
    return drills


@pytest.mark.parametrize("kind", list(CASES))
def test_a_malformed_file_names_its_file_line_and_field(kind: str, tmp_path: Path) -> None:
    name, text, read, line, field, problem = CASES[kind]
    drills = _fixture_drills(tmp_path)
    (drills / name).write_text(text, encoding="utf-8")
    said = f"Malformed drill: {drills / name}, line {line}, field `{field}`: {problem}"
    with pytest.raises(DrilltutorError) as where_read:
        read(load_catalogue(drills))
    assert where_read.value.message.startswith(said), where_read.value.message
    # dev check asks pydantic for every file before any run, and says the same
    with pytest.raises(DrilltutorError) as where_checked:
        model = DRILL_FILES[Path(name).name] if "/" in name else COURSE_FILES[name]
        datafile.check(drills / name, model)
    assert where_checked.value.message == where_read.value.message


def test_a_file_that_is_not_toml_names_its_line(tmp_path: Path) -> None:
    drills = _fixture_drills(tmp_path)
    (drills / "answer" / "hints.toml").write_text('[[hint]]\ntext = "x"\nchecks = \n', encoding="utf-8")
    with pytest.raises(DrilltutorError, match=re.escape(f"{drills / 'answer' / 'hints.toml'}, line 3: not valid TOML")):
        _answer(load_catalogue(drills)).hints  # noqa: B018  (read on first use)


def test_every_bundled_file_reads_the_same_with_and_without_pydantic() -> None:
    """The commands build models straight from the files; pydantic must agree with what they built."""
    folder = bundled_drills_dir()
    files = [(folder / name, model) for name, model in COURSE_FILES.items()]
    files += [(drill / name, model) for drill in folder.iterdir() for name, model in DRILL_FILES.items()]
    checked = [(path, model) for path, model in files if path.is_file()]
    assert len(checked) > 40
    for path, model in checked:
        assert datafile.load(path, model) == datafile.check(path, model), path


@pytest.mark.parametrize(
    ("text", "loc", "line"),
    [
        ('a = 1\n[[t]]\nx = 1\n[[t]]\n# c\nx = 2\n[[t.u]]\nx = 3\n', ("t", 1, "x"), 6),
        ('a = 1\n[[t]]\nx = 1\n[[t]]\n# c\nx = 2\n[[t.u]]\nx = 3\n', ("t", 1, "u", 0, "x"), 8),
        ('a = 1\n[[t]]\nx = 1\n[[t]]\n# c\nx = 2\n[[t.u]]\nx = 3\n', ("t", 0, "y"), 2),  # missing: its table's header
        ("a = 1\n[env]\nK = 1\n", ("env", "K"), 3),
        ("a = 1\n", ("b",), None),
    ],
)
def test_locate_finds_the_line_of_a_value_or_of_its_table(text: str, loc: tuple[str | int, ...], line: int | None) -> None:
    assert datafile.locate(text, loc) == line
