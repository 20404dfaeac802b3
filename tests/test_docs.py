"""The README's figures about the catalogue are the catalogue's own: a new drill (or a new
mistake) that changes them fails here, with the text to paste, instead of leaving them stale.

What is checked: the number of cases `drilltutor dev check` runs, and the drill table's id,
alias and file columns, row by row in the catalogue's order. Its last column ("what you
build") is prose, written by hand. Dated measurements ("on 2026-12-01 ... all 225 cases")
record a run and are left as they were.
"""

from __future__ import annotations

import re
from pathlib import Path

from drilltutor import devcheck
from drilltutor.catalogue import Catalogue

README = Path(__file__).resolve().parent.parent / "README.md"
TABLE_HEAD = "| id | alias | your file | what you build |"
_COUNT = re.compile(r"\((\d+) cases; ")


def test_the_readme_says_how_many_cases_dev_check_runs(catalogue: Catalogue) -> None:
    cases = sum(len(devcheck.cases(drill)) for drill in catalogue.drills)
    said = _COUNT.findall(README.read_text(encoding="utf-8"))
    assert said == [str(cases)], f"README.md's Quickstart must say `({cases} cases; ...` (dev check runs {cases} cases; it says {said})"


def test_the_readme_drill_table_is_the_catalogue(catalogue: Catalogue) -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index(TABLE_HEAD) + 2  # past the head and its |---| line
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    said = [tuple(cell.strip() for cell in row.strip("|").split("|")[:3]) for row in rows]
    wanted = [(drill.id, drill.alias, f"`{drill.file}`") for drill in catalogue.drills]
    paste = "\n".join(f"| {d.id} | {d.alias} | `{d.file}` | {_built(rows, d.id)} |" for d in catalogue.drills)
    assert said == wanted, f"README.md's drill table is not the catalogue; paste this under `{TABLE_HEAD}` and its |---| line:\n{paste}"


def _built(rows: list[str], drill_id: str) -> str:
    """The row's hand-written last column, kept; a new drill's is for the developer to write."""
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        if cells[0] == drill_id and len(cells) > 3:
            return cells[3]
    return "WHAT THE LEARNER BUILDS"
