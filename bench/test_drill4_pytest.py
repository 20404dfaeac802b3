"""The bench's baseline for `drilltutor run drill-4`: the pytest file a learner would write instead.

It checks the properties drill-4's hidden checks verify (../shared/CONTRACT.md, drill-4),
calling the learner's dependency through `httpx.ASGITransport` on an app of its own:
`users` is a dict; `get_current_user` takes the token from OAuth2PasswordBearer; a valid
token reaches the route with that user; no Authorization header, garbage, another key,
`alg: none`, expired, no `sub` and an unknown user each get 401 with
`WWW-Authenticate: Bearer`, never a 500; and every one of those 401s has the same body.

Run as `python -m pytest -q` with DRILL4_FILE naming the file under test (default: the
reference solution). bench/run.py copies it into a scratch folder and runs it there.
"""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import json
import os
import secrets
import time
from pathlib import Path

import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi.security import OAuth2PasswordBearer
from jose import jwt

os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
SECRET = os.environ["SECRET_KEY"]
DEFAULT = Path(__file__).resolve().parent.parent / "drills" / "drill-4-dependency" / "solution.py"
FILE = Path(os.environ.get("DRILL4_FILE", DEFAULT))
TARGET = f"lin-{secrets.token_hex(3)}@uae.dev"  # per run, so a fixed user cannot pass
DECOY = f"ade-{secrets.token_hex(3)}@uae.dev"
STRANGER = f"kit-{secrets.token_hex(3)}@uae.dev"  # never in `users`


def _load():
    spec = importlib.util.spec_from_file_location("drill_4_dependency", FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


learner = _load()
app = FastAPI()


@app.get("/me")
def me(user=Depends(learner.get_current_user)):
    return {"email": user["email"]}


def get(token: str | None) -> httpx.Response:
    async def send() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            return await client.get("/me", headers={} if token is None else {"Authorization": f"Bearer {token}"})

    return asyncio.run(send())


def token(sub: str | None = TARGET, key: str = SECRET, minutes: float = 30) -> str:
    claims: dict = {"exp": int(time.time() + minutes * 60)}
    if sub is not None:
        claims["sub"] = sub
    return jwt.encode(claims, key, algorithm="HS256")


def unsigned() -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return part({"alg": "none", "typ": "JWT"}) + "." + part({"sub": TARGET, "exp": int(time.time()) + 1800}) + "."


BAD = {
    "garbage": lambda: "garbage",
    "another key": lambda: token(key="not-the-secret-" + secrets.token_hex(8)),
    "alg none": unsigned,
    "expired": lambda: token(minutes=-5),
    "no sub": lambda: token(sub=None),
    "unknown user": lambda: token(sub=STRANGER),
}


def test_users_is_a_dict_the_tests_can_fill() -> None:
    assert isinstance(learner.users, dict)
    learner.users[DECOY] = {"email": DECOY}
    learner.users[TARGET] = {"email": TARGET}


def test_the_token_comes_from_oauth2_password_bearer() -> None:
    route = next(r for r in app.routes if getattr(r, "path", None) == "/me")

    def schemes(dependant) -> list:
        own = [dependant.call] if isinstance(dependant.call, OAuth2PasswordBearer) else []
        return own + [s for sub in dependant.dependencies for s in schemes(sub)]

    assert schemes(route.dependant.dependencies[0])


def test_a_valid_token_reaches_the_route_with_that_user() -> None:
    response = get(token())
    assert response.status_code == 200
    assert response.json() == {"email": TARGET}


def test_no_authorization_header_is_401() -> None:
    assert get(None).status_code == 401


@pytest.mark.parametrize("label", list(BAD))
def test_a_bad_token_is_401_with_bearer(label: str) -> None:
    response = get(BAD[label]())
    assert response.status_code == 401, response.text
    assert response.headers.get("www-authenticate", "").split(" ")[0].lower() == "bearer"


def test_every_bad_token_gets_the_same_body() -> None:
    assert len({get(make()).text for make in BAD.values()}) == 1
