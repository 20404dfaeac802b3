"""`drilltutor cards`: flash cards, answered out loud, flipped, rated, and scheduled with FSRS.

Cards arrive as the learner gets to them: the course's own cards from the first day, a
drill's cards once the drill is started (`drilltutor start`, `watch` moving on, or any
run of it). Started, not passed: the cards rehearse the ideas the drill is about while
the learner works on it, and a learner who is stuck still gets them. New cards are
offered up to a daily limit (`cards --new-per-day N`, kept in progress), as Anki and FSRS
users expect, so forty cards never land on one day.

Counting what is due reads the stored `due` stamps directly, so the home screen and a
non-terminal `cards` never import fsrs; only rating a card does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable

from drilltutor.commands.session import Session
from drilltutor.progress import drill_progress

if TYPE_CHECKING:
    from fsrs import Card

RATINGS = ("again", "hard", "good", "easy")  # FSRS's Rating 1..4, in that order
RATING_KEYS = {"1": "again", "a": "again", "2": "hard", "h": "hard", "3": "good", "g": "good", "4": "easy", "e": "easy"}
FLIP_KEYS = {" ": "flip", "\r": "flip", "\n": "flip", "f": "flip"}
QUIT_KEYS = {"q", "\x1b"}
NEW_PER_DAY = 10  # Anki's default is 20 a day; the course has about 45 cards in all, so half that spreads them over the drills


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
    due: list[CardView]  # reviews that are due, most overdue first
    new: list[CardView]  # never reviewed, offered today: the course's cards first, then each reached drill's, up to the daily limit
    later: list[CardView]  # reviewed and not due yet, soonest first
    held_back: int = 0  # new cards reached but over today's limit: they come on later days
    not_reached: int = 0  # cards of drills not started yet
    new_per_day: int = NEW_PER_DAY

    @property
    def queue(self) -> list[CardView]:
        """What a sitting goes through: due reviews, then today's new cards."""
        return self.due + self.new

    @property
    def total(self) -> int:
        return len(self.due) + len(self.new) + len(self.later) + self.held_back + self.not_reached

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


def card_counts(due: int, new: int) -> str:
    """'3 cards due and 5 new': reviews and new cards counted apart, as Anki shows them."""
    return f"{due} card{'s' * (due != 1)} due and {new} new"


def new_per_day(data: dict[str, Any]) -> int:
    return int(data.get("settings", {}).get("new_cards_per_day", NEW_PER_DAY))


def set_new_per_day(count: int) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data.setdefault("settings", {})["new_cards_per_day"] = count

    return change


def _reached(data: dict[str, Any], drill_id: str) -> bool:
    progress = drill_progress(data, drill_id)
    return bool(progress.started_at or progress.attempts or progress.passed_at or progress.revealed_at)


def _introduced_today(data: dict[str, Any], now: datetime) -> int:
    """Cards first reviewed on the learner's own calendar day (their local date, as a learner counts days)."""
    today = now.astimezone().date()
    count = 0
    for state in data["cards"].values():
        try:
            count += datetime.fromisoformat(state["introduced_at"]).astimezone().date() == today
        except (KeyError, TypeError, ValueError):
            continue
    return count


def deck(session: Session, data: dict[str, Any], now: datetime) -> Deck:
    catalogue = session.catalogue
    sources = [("course", c) for c in catalogue.cards] + [(d.id, c) for d in catalogue.drills for c in d.cards]
    dated: list[tuple[datetime, CardView]] = []
    fresh: list[CardView] = []
    not_reached = 0
    for source, card in sources:
        state = data["cards"].get(card.id)
        due = _due(state)
        reviews = state.get("reviews", 0) if isinstance(state, dict) and isinstance(state.get("reviews"), int) else 0
        view = CardView(card.id, card.front, card.back, source, due, reviews)
        if due is not None:
            dated.append((due, view))
        elif source == "course" or _reached(data, source):
            fresh.append(view)
        else:
            not_reached += 1
    dated.sort(key=lambda pair: pair[0])
    limit = new_per_day(data)
    room = max(0, limit - _introduced_today(data, now))
    return Deck(
        due=[v for d, v in dated if d <= now],
        new=fresh[:room],
        later=[v for d, v in dated if d > now],
        held_back=len(fresh[room:]),
        not_reached=not_reached,
        new_per_day=limit,
    )


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
    introduced = state.get("introduced_at") if isinstance(state, dict) and reviews else None
    return {"fsrs": card.to_dict(), "reviews": reviews + 1, "last_rating": rating, "introduced_at": introduced or now.astimezone(timezone.utc).isoformat()}


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
