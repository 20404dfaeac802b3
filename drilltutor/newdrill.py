"""`drilltutor dev new ID`: a new drill folder that `drilltutor dev check` accepts as it is.

The files are data, in drilltutor/drill_template/ (`$id`, `$alias`, `$title`, `$file` and
`$order` filled in): a trivial reference, a starter that fails, hints, a card, checks, four
mistakes stated as changes, and a property one of those mistakes breaks. The author then
replaces the greeting with the drill, keeping each file's role (docs/writing-drills.md).
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

from drilltutor.catalogue import METADATA_FILE, Catalogue
from drilltutor.errors import DrilltutorError

TEMPLATE = Path(__file__).resolve().parent / "drill_template"
_ID = re.compile(r"[a-z][a-z0-9-]*[a-z0-9]")


def new_drill(catalogue: Catalogue, drill_id: str, alias: str | None = None) -> list[Path]:
    """Write the drill `drill_id` into a new folder of that name in the catalogue's folder; the files written."""
    alias = alias or drill_id
    for name in (drill_id, alias):
        if not _ID.fullmatch(name):
            raise DrilltutorError(f"{name!r} cannot name a drill.", hint="Use lower-case letters, digits and dashes, starting with a letter, e.g. drill-7.")
        _refuse_taken(catalogue, name)
    folder = catalogue.folder / drill_id
    if folder.exists():
        raise DrilltutorError(f"{folder} already exists.", hint="Choose another id, or remove that folder.")
    values = {
        "id": drill_id,
        "alias": alias,
        "title": f"Greet a learner by name ({drill_id})",
        "file": drill_id.replace("-", "_") + ".py",
        "order": str(max((d.order for d in catalogue.drills), default=0) + 10),  # after every drill there is
    }
    folder.mkdir(parents=True)
    written = []
    for template in sorted(TEMPLATE.glob("*.tmpl")):
        target = folder / template.name.removesuffix(".tmpl")
        target.write_text(Template(template.read_text(encoding="utf-8")).substitute(values), encoding="utf-8")
        written.append(target)
    return written


def _refuse_taken(catalogue: Catalogue, name: str) -> None:
    for drill in catalogue.drills:
        if name.lower() in (n.lower() for n in drill.names) or drill.file == name.replace("-", "_") + ".py":
            raise DrilltutorError(f"{name!r} is taken by the drill {drill.id} ({drill.folder / METADATA_FILE}).", hint="Choose another id or --alias.")
