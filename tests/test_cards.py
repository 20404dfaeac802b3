"""Flash cards: the deck and its order, FSRS scheduling kept in progress, one sitting driven by fake keys."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from drilltutor import cli as cli_module
from drilltutor.catalogue import Catalogue
from drilltutor.commands.cards import Screen, deck, outlook, review, set_new_per_day, study
from drilltutor.commands.session import Session
from drilltutor.commands.start import start
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


def test_a_fresh_deck_holds_the_course_cards_and_a_drills_cards_arrive_when_it_is_started(session: Session) -> None:
    fresh = deck(session, session.store.read(), NOW)
    assert [c.id for c in fresh.new] == ["course-one", "course-two"]
    assert (fresh.total, fresh.due, fresh.later, fresh.not_reached, fresh.next_due) == (3, [], [], 1, None)
    start(session, "answer")
    started = deck(session, session.store.read(), NOW)
    assert [c.id for c in started.new] == ["course-one", "course-two", "answer-card"]  # the course's own cards first
    assert started.new[2].source == "fixture-answer" and started.not_reached == 0


def test_new_cards_a_day_are_limited_and_the_rest_held_back(session: Session) -> None:
    start(session, "answer")
    session.store.update(set_new_per_day(2))
    today = deck(session, session.store.read(), NOW)
    assert ([c.id for c in today.new], today.held_back) == (["course-one", "course-two"], 1)
    review(session, "course-one", "good", NOW)
    after_one = deck(session, session.store.read(), NOW)
    assert ([c.id for c in after_one.new], after_one.held_back) == (["course-two"], 1)  # one of today's two is used
    tomorrow = deck(session, session.store.read(), NOW + timedelta(days=1))
    assert [c.id for c in tomorrow.new] == ["course-two", "answer-card"]


def test_a_rating_schedules_the_card_with_fsrs_and_keeps_it_in_progress(session: Session) -> None:
    due = review(session, "course-one", "good", NOW)
    assert due > NOW
    stored = session.store.read()["cards"]["course-one"]
    assert (stored["reviews"], stored["last_rating"]) == (1, "good")
    assert datetime.fromisoformat(stored["fsrs"]["due"]) == due
    later = deck(session, session.store.read(), NOW)
    assert [c.id for c in later.queue] == ["course-two"] and later.next_due == due
    assert [c.id for c in deck(session, session.store.read(), due + timedelta(seconds=1)).queue][0] == "course-one"


def test_due_reviews_come_before_new_cards_most_overdue_first(session: Session) -> None:
    review(session, "answer-card", "again", NOW - timedelta(days=2))
    review(session, "course-two", "again", NOW - timedelta(days=1))
    assert [c.id for c in deck(session, session.store.read(), NOW).queue] == ["answer-card", "course-two", "course-one"]


def test_easy_sends_a_card_further_than_again(session: Session) -> None:
    ahead = outlook(session, "course-one", NOW)
    assert list(ahead) == ["again", "hard", "good", "easy"]
    assert ahead["again"] < ahead["good"] < ahead["easy"] and ahead["again"] > timedelta(0)
    assert session.store.read()["cards"] == {}  # looking ahead records nothing


def test_unreadable_card_state_counts_as_new_and_can_be_reviewed(session: Session) -> None:
    session.store.update(lambda data: data["cards"].update({"course-one": {"fsrs": {"due": "yesterday"}}}))
    assert len(deck(session, session.store.read(), NOW).new) == 2
    assert review(session, "course-one", "hard", NOW) > NOW


def test_a_sitting_flips_on_space_rates_on_a_number_and_brings_again_back(session: Session) -> None:
    queue = deck(session, session.store.read(), NOW).queue[:2]
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
    queue = deck(session, session.store.read(), NOW).queue
    presses = iter(keys)
    sitting = study(session, queue, lambda: next(presses), lambda screen: None, lambda: NOW)
    assert sitting.stopped and sitting.reviewed == 0 and session.store.read()["cards"] == {}


# The command line --------------------------------------------------------------------------


def test_without_a_terminal_cards_says_how_many_are_due_and_exits_0(cli: Invoke) -> None:
    result = cli("cards")
    assert result.exit_code == 0
    assert "0 cards due and 2 new today." in result.output and "in a terminal" in result.output
    assert "1 arrive as you start more drills" in result.output


def test_cards_json_counts_and_lists(cli: Invoke, session: Session) -> None:
    review(session, "course-one", "easy", datetime.now(timezone.utc))
    data = json.loads(cli("cards", "--json").output)
    assert (data["due"], data["new"], data["not_reached"], data["total"]) == (0, 1, 1, 3)
    assert data["next_due"] and data["cards"][-1]["id"] == "course-one"
    review(session, "course-two", "again", datetime.now(timezone.utc) - timedelta(days=3))
    assert json.loads(cli("cards", "--json").output)["due"] == 1


def test_new_per_day_is_a_setting_kept_in_progress(cli: Invoke, session: Session) -> None:
    assert cli("start", "answer").exit_code == 0
    result = cli("cards", "--new-per-day", "1")
    assert result.exit_code == 0 and "New cards a day: 1 (kept for next time)." in result.output and "0 cards due and 1 new today." in result.output
    assert "2 more new tomorrow or later" in " ".join(result.output.split())
    assert json.loads(cli("cards", "--json").output)["new_per_day"] == 1
    assert cli("cards", "--new-per-day", "-1").exit_code == 2


def test_nothing_due_says_when_the_next_card_is(cli: Invoke, session: Session) -> None:
    for card in ("course-one", "course-two", "answer-card"):
        review(session, card, "easy", datetime.now(timezone.utc))
    result = cli("cards")
    assert result.exit_code == 0 and "No cards due and no new ones today. The next is due in" in result.output


def test_in_a_terminal_cards_runs_a_sitting_with_the_keys_it_reads(cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = iter([" ", "3", " ", "4", "q"])
    monkeypatch.setattr(cli_module, "_is_terminal", lambda: True)
    monkeypatch.setattr(cli_module, "_read_key", lambda: next(keys))
    result = cli("cards")
    assert result.exit_code == 0
    assert "What makes a JWT tamper-proof?" in result.output and "Its signature." in result.output
    assert "out loud" in result.output and "3  Good" in result.output
    assert "Reviewed 2 cards. Your ratings are saved." in result.output and "No cards due and no new ones today" in result.output


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
