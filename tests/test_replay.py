"""The replay's recorder: the same seed draws the same inputs, and what stays random is normalised by shape."""

from __future__ import annotations

import secrets
import time

import pytest

from drilltutor.checking import jwtcodec, replay


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> None:
    """A replay started here, its patches of `secrets` and its module state undone afterwards."""
    for name in ("token_bytes", "token_hex", "token_urlsafe"):
        monkeypatch.setattr(secrets, name, getattr(secrets, name))
    for name in ("_transcript", "_secret", "_scratch"):
        monkeypatch.setattr(replay, name, getattr(replay, name))


def test_one_seed_draws_the_same_inputs(recording: None) -> None:
    replay.start("seed-1", "key", "/tmp/scratch-1")
    first = (secrets.token_hex(3), secrets.token_urlsafe(8), secrets.token_bytes(4))
    replay.start("seed-1", "key", "/tmp/scratch-1")
    assert (secrets.token_hex(3), secrets.token_urlsafe(8), secrets.token_bytes(4)) == first
    replay.start("seed-2", "key", "/tmp/scratch-1")
    assert secrets.token_hex(3) != first[0]
    assert replay.seeded("s", "secret", 32) == replay.seeded("s", "secret", 32) != replay.seeded("t", "secret", 32)


def test_tokens_hashes_and_the_run_are_normalised_by_shape(recording: None) -> None:
    replay.start("seed", "the-key", "/tmp/scratch-9")
    now = time.time()
    ours = jwtcodec.token("ada", "the-key", minutes=30)
    forged = jwtcodec.token("ada", "another", minutes=-1, alg="HS512")
    text = f"{ours} {forged} $2b$04$" + "a" * 53 + " $argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA /tmp/scratch-9/x the-key"
    assert replay.normalise(text, now) == (
        "<jwt {alg: HS256, typ: JWT} {exp: +30min, sub: ada} signed with run key> "
        "<jwt {alg: HS512, typ: JWT} {exp: -1min, sub: ada} signed with not the run key> "
        "<bcrypt> <argon2> <scratch>/x <SECRET_KEY>"
    )


def test_values_are_recorded_as_data_and_only_while_recording(recording: None) -> None:
    assert replay.plain({"b": [1, None], "a": {2, 1}}) == "{b: [1, None], a: [1, 2]}"
    assert replay.plain(print) == "<builtin_function_or_method>"
    replay.record("call", "f()", 1)  # not started: nothing kept
    assert replay.finish() is None
    replay.start("seed", "k", "/s")
    replay.record("call", "f()", True)
    assert replay.finish() == [["call", "f()", "True"]]
