"""A `Grade` rendered as a grade file: Gradescope's results.json, JUnit XML, or drilltutor's own JSON.

Gradescope's format (its autograder specification): a top-level `score`, `execution_time`,
`output` and `tests`, each test with `name`, `number`, `score`, `max_score`, `status`
("passed" / "failed") and `output`. drilltutor adds `max_score` at the top, as its contract says.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

from drilltutor.errors import DrilltutorError
from drilltutor.grading import GRADED, Grade

FORMATS = ("gradescope", "junit", "json")
DEFAULT_NAMES = {"gradescope": "results.json", "junit": "grade.xml", "json": "grade.json"}


def gradescope(grade: Grade) -> str:
    tests = [
        {
            "name": f"{drill.drill}: {check.title}",
            "number": f"{d}.{c}",
            "score": check.score,
            "max_score": check.max_score,
            "status": "passed" if check.passed else "failed",
            "output": check.text,
            "tags": [drill.drill],
            "visibility": "visible",
        }
        for d, drill in enumerate(grade.drills, 1)
        for c, check in enumerate(drill.checks, 1)
    ]
    document = {
        "score": grade.score,
        "max_score": grade.max_score,
        "execution_time": round(sum(d.duration for d in grade.drills), 3),
        "output": "\n\n".join([*grade.notices, summary(grade)]),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def junit(grade: Grade) -> str:
    suites = ET.Element("testsuites", name="drilltutor grade", tests=str(sum(len(d.checks) for d in grade.drills)))
    suites.set("failures", str(sum(not c.passed for d in grade.drills for c in d.checks)))
    suites.set("time", f"{sum(d.duration for d in grade.drills):.3f}")
    for index, drill in enumerate(grade.drills):
        suite = ET.SubElement(suites, "testsuite", name=drill.drill, tests=str(len(drill.checks)), time=f"{drill.duration:.3f}")
        suite.set("failures", str(sum(not c.passed for c in drill.checks)))
        properties = ET.SubElement(suite, "properties")
        for name, value in (("file", drill.file), ("points", f"{drill.points:g}"), ("score", f"{drill.score:g}"), ("status", drill.status)):
            ET.SubElement(properties, "property", name=name, value=value)
        for check in drill.checks:
            case = ET.SubElement(suite, "testcase", classname=drill.drill, name=f"{check.id}: {check.title}")
            if not check.passed:
                failure = ET.SubElement(case, "failure", message=check.text.splitlines()[0] if check.text else "failed")
                failure.text = check.text
            elif check.text:
                ET.SubElement(case, "system-out").text = check.text
        if index == 0 and grade.notices:  # said once, with the first drill
            ET.SubElement(suite, "system-err").text = "\n".join(grade.notices)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def as_json(grade: Grade) -> str:
    document: dict[str, Any] = {"score": grade.score, "max_score": grade.max_score, "ran_as": grade.ran_as, "notices": list(grade.notices)}
    document["drills"] = [asdict(d) for d in grade.drills]
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


RENDERERS: dict[str, Callable[[Grade], str]] = {"gradescope": gradescope, "junit": junit, "json": as_json}


def summary(grade: Grade) -> str:
    """One line per drill, and the failed checks under it: what a person reads in a log."""
    lines = []
    for drill in grade.drills:
        lines.append(f"{drill.drill} ({drill.file}): {drill.score:g} / {drill.points:g}" + ("" if drill.status == GRADED else f"  [{drill.status}]"))
        if drill.status != GRADED:
            lines.append("  " + drill.reason.splitlines()[0])
            continue
        lines += [f"  failed {c.id}: {c.title}" for c in drill.checks if not c.passed]
    lines.append(f"Total: {grade.score:g} / {grade.max_score:g}")
    return "\n".join(lines)


def check_out(out: Path) -> Path:
    """The grade file's path, refused before any run when it cannot be written there."""
    out = out.expanduser().absolute()
    if out.is_dir():
        raise DrilltutorError(f"{out} is a folder; --out names the grade file itself.", hint=f"For example: --out {out / 'results.json'}")
    if not out.parent.is_dir():
        raise DrilltutorError(f"The folder for the grade file, {out.parent}, does not exist.", hint="Create it first, or give another --out.")
    return out


def write(text: str, out: Path) -> None:
    """Atomically: a temporary file beside `out`, then a rename, so no reader sees half a grade
    and a link planted at `out` is replaced, never followed."""
    try:
        handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as exc:
        raise DrilltutorError(f"The grade file {out} could not be written: {exc.strerror or exc}.") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise DrilltutorError(f"The grade file {out} could not be written: {exc.strerror or exc}.") from None
