"""`drilltutor progress`, `tick`, `untick`: the drills and the self-check items as one checklist."""

from __future__ import annotations

from dataclasses import dataclass

from drilltutor.catalogue import Drill
from drilltutor.commands.listing import DrillRow, list_drills
from drilltutor.commands.session import Session
from drilltutor.errors import DrilltutorError
from drilltutor.progress import PASSED, set_ticked


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    ticked: bool


@dataclass(frozen=True)
class Checklist:
    drills: list[DrillRow]
    items: list[Item]
    progress_file: str

    @property
    def done(self) -> int:
        return sum(d.status == PASSED for d in self.drills) + sum(i.ticked for i in self.items)

    @property
    def total(self) -> int:
        return len(self.drills) + len(self.items)


def items(session: Session, ticked: dict[str, str]) -> list[Item]:
    """The course's own self-check items, then one "without looking" item per drill."""
    found = [Item(i.id, i.text, i.id in ticked) for i in session.catalogue.checklist]
    found += [Item(d.id, d.self_check, d.id in ticked) for d in session.catalogue.drills if d.self_check]
    return found


def checklist(session: Session) -> Checklist:
    data = session.store.read()
    return Checklist(list_drills(session), items(session, data["checklist"]), str(session.store.path))


def find(session: Session, name: str) -> Item:
    """The item by its id, or a drill's own "without looking" item by any of the drill's names."""
    known = items(session, {})
    wanted = name.strip().lower()
    match = next((i for i in known if i.id.lower() == wanted), None)
    if match is None:
        drill_ids = {n.lower(): d.id for d in session.catalogue.drills for n in d.names}
        match = next((i for i in known if i.id == drill_ids.get(wanted)), None)
    if match is None:
        close = _closest_item(session, known, name)
        guess = f" Did you mean {close}?" if close else ""
        raise DrilltutorError(f"No checklist item is called {name!r}.{guess}", hint="See the items with: drilltutor progress")
    return match


def _closest_item(session: Session, known: list[Item], name: str) -> str | None:
    from difflib import get_close_matches

    drill = session.catalogue.closest(name)
    if drill is not None:
        return drill
    found = get_close_matches(name.strip().lower(), [i.id.lower() for i in known], n=1, cutoff=0.75)
    return next((i.id for i in known if found and i.id.lower() == found[0]), None)


def unpassed_drill(session: Session, item: Item) -> Drill | None:
    """The drill whose own item this is, while that drill has not passed: ticking it then is a claim not yet shown."""
    drill = next((d for d in session.catalogue.drills if d.id == item.id), None)
    if drill is None or session.progress_of(drill).passed_at:
        return None
    return drill


def tick(session: Session, item: Item, ticked: bool) -> Item:
    session.store.update(set_ticked(item.id, ticked))
    return Item(item.id, item.text, ticked)
