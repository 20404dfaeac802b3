"""Ctx.find_in_state walks the learner's module state; Ctx.clock_ahead moves the process's clock."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel

from drilltutor.checking.context import Ctx

SECRET = "pw-ada-1815"


class Account(BaseModel):
    name: str
    password: str


class Slotted:
    __slots__ = ("kept",)

    def __init__(self, kept: str) -> None:
        self.kept = kept


def _ctx(namespace: dict[str, object]) -> Ctx:
    return Ctx(file=Path("tasks_api.py"), namespace=namespace, output="", secret="k", request_timeout=1.0, env={}, source="")


def test_every_place_the_text_sits_is_named_and_nothing_else() -> None:
    users: dict[str, object] = {"ada": {"hashed_password": "$2b$04$abc", "history": [("old", SECRET + "!")]}}
    users["me"] = users  # a cycle ends the walk there, not in a loop
    found = _ctx({"users": users, "accounts": [Account(name="ada", password=SECRET)], "box": Slotted(SECRET), "sessions": {SECRET: 1}}).find_in_state(SECRET)
    assert sorted(found) == sorted(["users['ada']['history'][0][1]", "accounts[0].password", "box.kept", "sessions['pw-ada-1815'] (a key)"])


def test_code_and_dunder_names_are_not_state() -> None:
    def make(password: str = SECRET) -> str:
        return password

    assert _ctx({"make": make, "time": time, "Account": Account, "__doc__": SECRET}).find_in_state(SECRET) == []


def test_the_clock_moves_ahead_and_back() -> None:
    ctx = _ctx({})
    before = time.time()
    with ctx.clock_ahead(31 * 60):
        assert time.time() - before >= 31 * 60
        assert datetime.now(timezone.utc).timestamp() - before >= 31 * 60
    assert time.time() - before < 60
