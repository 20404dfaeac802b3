"""What Ctx.find_in_state and Ctx.clock_ahead ask of the agent, in the learner's process: the walk of
its module state, and its clock moved ahead."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from types import SimpleNamespace

from pydantic import BaseModel

from drilltutor.agent import Agent
from drilltutor.agentkit import find_in_state

SECRET = "pw-ada-1815"


class Account(BaseModel):
    name: str
    password: str


class Slotted:
    __slots__ = ("kept",)

    def __init__(self, kept: str) -> None:
        self.kept = kept


def test_every_place_the_text_sits_is_named_and_nothing_else() -> None:
    users: dict[str, object] = {"ada": {"hashed_password": "$2b$04$abc", "history": [("old", SECRET + "!")]}}
    users["me"] = users  # a cycle ends the walk there, not in a loop
    found = find_in_state({"users": users, "accounts": [Account(name="ada", password=SECRET)], "box": Slotted(SECRET), "sessions": {SECRET: 1}}, SECRET)
    assert sorted(found) == sorted(["users['ada']['history'][0][1]", "accounts[0].password", "box.kept", "sessions['pw-ada-1815'] (a key)"])


def test_code_and_dunder_names_are_not_state() -> None:
    def make(password: str = SECRET) -> str:
        return password

    assert find_in_state({"make": make, "time": time, "Account": Account, "__doc__": SECRET}, SECRET) == []


def test_the_clock_moves_ahead_and_back() -> None:
    agent = SimpleNamespace(_clock=None)  # the one attribute the clock operation keeps
    before = time.time()
    Agent.op_clock(agent, 31 * 60)  # type: ignore[arg-type]
    try:
        assert time.time() - before >= 31 * 60
        assert datetime.now(timezone.utc).timestamp() - before >= 31 * 60
    finally:
        Agent.op_clock(agent, None)  # type: ignore[arg-type]
    assert time.time() - before < 60
