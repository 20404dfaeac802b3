"""Flash cards: the deck and its order, FSRS scheduling kept in progress, one sitting driven by fake keys."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from drilltutor import cli as cli_module
from drilltutor.catalogue import Catalogue
from drilltutor.commands.cards import Screen, deck, outlook, review, study
from drilltutor.commands.session import Session
from tests.loop_support import Invoke, cli, drills, session, workspace  # noqa: F401
from tests.test_startup import HEAVY, _modules_after

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
SEED_CARDS = {"jwt-three-parts", "secret-lives", "exp-claim", "current-user-for"}


def test_the_course_has_the_seed_cards_and_at_least_sixteen(catalogue: Catalogue) -> None:
    cards = catalogue.all_cards()
    ids = [c.id for c in cards]
    assert len(cards) >= 16 and len(set(ids)) == len(ids)
    assert SEED_CARDS <= {c.id for c in catalogue.cards}
    assert all(c.front.strip() and c.back.strip() for c in cards)


def test_a_fresh_deck_is_all_new_and_due_in_catalogue_order(session: Session) -> None:
    fresh = deck(session, session.store.read(), NOW)
    assert [c.id for c in fresh.due] == ["course-one", "course-two", "answer-card"]
    assert (fresh.total, fresh.new, fresh.later, fresh.next_due) == (3, 3, [], None)
    assert fresh.due[2].source == "fixture-answer"


def test_a_rating_schedules_the_card_with_fsrs_and_keeps_it_in_progress(session: Session) -> None:
    due = review(session, "course-one", "good", NOW)
    assert due > NOW
    stored = session.store.read()["cards"]["course-one"]
    assert (stored["reviews"], stored["last_rating"]) == (1, "good")
    assert datetime.fromisoformat(stored["fsrs"]["due"]) == due
    later = deck(session, session.store.read(), NOW)
    assert [c.id for c in later.due] == ["course-two", "answer-card"] and later.next_due == due
    assert [c.id for c in deck(session, session.store.read(), due + timedelta(seconds=1)).due][0] == "course-one"


def test_due_reviews_come_before_new_cards_most_overdue_first(session: Session) -> None:
    review(session, "answer-card", "again", NOW - timedelta(days=2))
    review(session, "course-two", "again", NOW - timedelta(days=1))
    assert [c.id for c in deck(session, session.store.read(), NOW).due] == ["answer-card", "course-two", "course-one"]


def test_easy_sends_a_card_further_than_again(session: Session) -> None:
    ahead = outlook(session, "course-one", NOW)
    assert list(ahead) == ["again", "hard", "good", "easy"]
    assert ahead["again"] < ahead["good"] < ahead["easy"] and ahead["again"] > timedelta(0)
    assert session.store.read()["cards"] == {}  # looking ahead records nothing


def test_unreadable_card_state_counts_as_new_and_can_be_reviewed(session: Session) -> None:
    session.store.update(lambda data: data["cards"].update({"course-one": {"fsrs": {"due": "yesterday"}}}))
    assert deck(session, session.store.read(), NOW).new == 3
    assert review(session, "course-one", "hard", NOW) > NOW


def test_a_sitting_flips_on_space_rates_on_a_number_and_brings_again_back(session: Session) -> None:
    queue = deck(session, session.store.read(), NOW).due[:2]
    keys = iter(["x", " ", "3", "\r", "1", "f", "4"])  # x is ignored; card 2 comes back after Again
    screens: list[Screen] = []
    sitting = study(session, queue, lambda: next(keys), screens.append, lambda: NOW)
    assert [(s.card.id, s.side) for s in screens] == [
        ("course-one", "front"), ("course-one", "back"),
        ("course-two", "front"), ("course-two", "back"),
        ("course-two", "front"), ("course-two", "back"),
    ]
    assert screens[0].left == 1 and screens[1].outlook["easy"] > screens[1].outlook["good"]
    assert (sitting.reviewed, sitting.again, sitting.stopped) == (3, 1, False)
    assert session.store.read()["cards"]["course-two"]["reviews"] == 2


@pytest.mark.parametrize("keys", [["q"], [" ", "q"], [" ", "\x1b"]])
def test_q_stops_a_sitting_and_keeps_what_was_rated(session: Session, keys: list[str]) -> None:
    queue = deck(session, session.store.read(), NOW).due
    presses = iter(keys)
    sitting = study(session, queue, lambda: next(presses), lambda screen: None, lambda: NOW)
    assert sitting.stopped and sitting.reviewed == 0 and session.store.read()["cards"] == {}


# The command line --------------------------------------------------------------------------


def test_without_a_terminal_cards_says_how_many_are_due_and_exits_0(cli: Invoke) -> None:
    result = cli("cards")
    assert result.exit_code == 0
    assert "3 of 3 flash cards due, 3 of them new." in result.output and "in a terminal" in result.output


def test_cards_json_counts_and_lists(cli: Invoke, session: Session) -> None:
    review(session, "course-one", "easy", datetime.now(timezone.utc))
    data = json.loads(cli("cards", "--json").output)
    assert (data["due"], data["new"], data["total"]) == (2, 2, 3)
    assert data["next_due"] and data["cards"][-1]["id"] == "course-one"


def test_nothing_due_says_when_the_next_card_is(cli: Invoke, session: Session) -> None:
    for card in ("course-one", "course-two", "answer-card"):
        review(session, card, "easy", datetime.now(timezone.utc))
    result = cli("cards")
    assert result.exit_code == 0 and "No cards due out of 3. The next is due in" in result.output


def test_in_a_terminal_cards_runs_a_sitting_with_the_keys_it_reads(cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = iter([" ", "3", " ", "4", "q"])
    monkeypatch.setattr(cli_module, "_is_terminal", lambda: True)
    monkeypatch.setattr(cli_module, "_read_key", lambda: next(keys))
    result = cli("cards")
    assert result.exit_code == 0
    assert "What makes a JWT tamper-proof?" in result.output and "Its signature." in result.output
    assert "out loud" in result.output and "3  Good" in result.output
    assert "Reviewed 2 cards. Your ratings are saved." in result.output and "1 of 3 flash cards due" in result.output


def test_ctrl_c_and_ctrl_d_while_reading_a_key_mean_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    for error in (KeyboardInterrupt, EOFError):
        def raising() -> str:
            raise error

        monkeypatch.setattr(cli_module.typer, "getchar", raising)
        assert cli_module._read_key() == "q"


def test_home_and_a_non_terminal_cards_import_no_scheduler(drills: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRILLTUTOR_DRILLS", str(drills))
    for args in ([], ["cards"], ["hint", "answer"]):
        assert _modules_after(args) & set(HEAVY) == set(), args
