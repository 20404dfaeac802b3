"""`drilltutor cards`: flash cards, answered out loud, flipped, rated, and scheduled with FSRS.

Counting what is due reads the stored `due` stamps directly, so the home screen and a
non-terminal `cards` never import fsrs; only rating a card does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable

from drilltutor.commands.session import Session

if TYPE_CHECKING:
    from fsrs import Card

RATINGS = ("again", "hard", "good", "easy")  # FSRS's Rating 1..4, in that order
RATING_KEYS = {"1": "again", "a": "again", "2": "hard", "h": "hard", "3": "good", "g": "good", "4": "easy", "e": "easy"}
FLIP_KEYS = {" ": "flip", "\r": "flip", "\n": "flip", "f": "flip"}
QUIT_KEYS = {"q", "\x1b"}


@dataclass(frozen=True)
class CardView:
    id: str
    front: str
    back: str
    source: str  # "course", or the id of the drill the card belongs to
    due: datetime | None  # None: never reviewed
    reviews: int


@dataclass(frozen=True)
class Deck:
    due: list[CardView]  # reviews that are due, most overdue first, then new cards in catalogue order
    later: list[CardView]  # reviewed and not due yet, soonest first

    @property
    def total(self) -> int:
        return len(self.due) + len(self.later)

    @property
    def new(self) -> int:
        return sum(c.due is None for c in self.due)

    @property
    def next_due(self) -> datetime | None:
        return self.later[0].due if self.later else None


def _due(state: Any) -> datetime | None:
    """When a stored card is due; a card never reviewed, or whose state is unreadable, counts as new."""
    try:
        due = datetime.fromisoformat(state["fsrs"]["due"])
    except (KeyError, TypeError, ValueError):
        return None
    return due if due.tzinfo else due.replace(tzinfo=timezone.utc)


def deck(session: Session, data: dict[str, Any], now: datetime) -> Deck:
    catalogue = session.catalogue
    sources = [("course", c) for c in catalogue.cards] + [(d.id, c) for d in catalogue.drills for c in d.cards]
    dated: list[tuple[datetime, CardView]] = []
    fresh: list[CardView] = []
    for source, card in sources:
        state = data["cards"].get(card.id)
        due = _due(state)
        reviews = state.get("reviews", 0) if isinstance(state, dict) and isinstance(state.get("reviews"), int) else 0
        view = CardView(card.id, card.front, card.back, source, due, reviews)
        if due is None:
            fresh.append(view)
        else:
            dated.append((due, view))
    dated.sort(key=lambda pair: pair[0])
    return Deck(due=[v for d, v in dated if d <= now] + fresh, later=[v for d, v in dated if d > now])


def _scheduler() -> Any:
    from fsrs import Scheduler

    return Scheduler()


def _fsrs_card(state: Any) -> tuple[Card, int]:
    from fsrs import Card

    try:
        return Card.from_dict(state["fsrs"]), int(state.get("reviews", 0))
    except (KeyError, TypeError, ValueError, AttributeError):
        return Card(), 0


def _rated(state: Any, rating: str, now: datetime) -> dict[str, Any]:
    from fsrs import Rating

    card, reviews = _fsrs_card(state)
    card, _log = _scheduler().review_card(card, Rating(RATINGS.index(rating) + 1), now.astimezone(timezone.utc))
    return {"fsrs": card.to_dict(), "reviews": reviews + 1, "last_rating": rating}


def outlook(session: Session, card_id: str, now: datetime) -> dict[str, timedelta]:
    """How long until the card comes back after each rating, so the learner sees what a rating means."""
    state = session.store.read()["cards"].get(card_id)
    return {rating: (_due(_rated(state, rating, now)) or now) - now for rating in RATINGS}


def review(session: Session, card_id: str, rating: str, now: datetime) -> datetime:
    """Record one rating and return when the card is due next."""
    if rating not in RATINGS:
        raise ValueError(f"unknown rating {rating!r}")
    result: dict[str, Any] = {}

    def change(data: dict[str, Any]) -> None:
        result.update(_rated(data["cards"].get(card_id), rating, now))
        data["cards"][card_id] = dict(result)

    session.store.update(change)
    return _due(result) or now


# One sitting --------------------------------------------------------------------------


@dataclass(frozen=True)
class Screen:
    card: CardView
    side: str  # "front": answer out loud first; "back": rate yourself
    number: int  # 1-based, within this sitting
    left: int  # cards still waiting after this one
    outlook: dict[str, timedelta] = field(default_factory=dict)  # on the back: rating -> time until it returns


@dataclass
class Sitting:
    reviewed: int = 0
    again: int = 0
    stopped: bool = False  # the learner left before the queue was empty


def _wait(read_key: Callable[[], str], wanted: dict[str, str]) -> str | None:
    """The next key the screen asks for; None when the learner quits. Other keys are ignored."""
    while True:
        key = read_key().lower()
        if key in QUIT_KEYS:
            return None
        if key in wanted:
            return wanted[key]


def study(
    session: Session,
    queue: list[CardView],
    read_key: Callable[[], str],
    show: Callable[[Screen], None],
    clock: Callable[[], datetime],
) -> Sitting:
    """Show each card, wait for a flip, then a rating. A card rated Again comes round again at the end."""
    sitting = Sitting()
    waiting = list(queue)
    number = 0
    while waiting:
        card = waiting.pop(0)
        number += 1
        show(Screen(card, "front", number, len(waiting)))
        if _wait(read_key, FLIP_KEYS) is None:
            sitting.stopped = True
            break
        show(Screen(card, "back", number, len(waiting), outlook(session, card.id, clock())))
        rating = _wait(read_key, RATING_KEYS)
        if rating is None:
            sitting.stopped = True
            break
        review(session, card.id, rating, clock())
        sitting.reviewed += 1
        if rating == "again":
            sitting.again += 1
            waiting.append(card)
    return sitting
