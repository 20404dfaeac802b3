"""Tests for the Tasks API (tests · verify): async tests through httpx's ASGITransport.

The same checks as the reference suite, in the other style the prompt allows: an
`httpx.AsyncClient` that calls the app in process, and anyio's pytest plugin to run the
`async def` tests. Accounts come from a fixture.
"""

import httpx
import pytest

from tasks_api import app, make_token

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        yield http


async def login(client, username, password):
    return await client.post("/token", data={"username": username, "password": password})


async def token_of(client, username, role="user"):
    created = await client.post("/register", json={"username": username, "password": "pw", "role": role})
    assert (created.status_code, created.json()) == (201, {"username": username, "role": role})
    return (await login(client, username, "pw")).json()["access_token"]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


async def test_register_is_201_with_the_role_and_nothing_else(client):
    answer = await client.post("/register", json={"username": "ada", "password": "s3cret"})
    assert (answer.status_code, answer.json()) == (201, {"username": "ada", "role": "user"})


async def test_a_duplicate_is_400(client):
    await client.post("/register", json={"username": "bob", "password": "one"})
    assert (await client.post("/register", json={"username": "bob", "password": "two"})).status_code == 400


async def test_login_right_and_wrong(client):
    await client.post("/register", json={"username": "cy", "password": "right"})
    good = await login(client, "cy", "right")
    assert good.status_code == 200 and good.json()["token_type"] == "bearer"
    assert (await login(client, "cy", "wrong")).status_code == 401


@pytest.mark.parametrize("headers", [{}, bearer("garbage")], ids=["no token", "garbage"])
async def test_no_valid_token_is_401(client, headers):
    assert (await client.get("/tasks", headers=headers)).status_code == 401
    assert (await client.post("/tasks", json={"title": "x"}, headers=headers)).status_code == 401


async def test_tampered_and_expired_tokens_are_401(client):
    token = await token_of(client, "dee")
    head, payload, signature = token.split(".")
    middle = len(signature) // 2
    signature = signature[:middle] + ("A" if signature[middle] != "A" else "B") + signature[middle + 1 :]
    for bad in (f"{head}.{payload}.{signature}", make_token("dee", minutes=-1)):
        assert (await client.get("/tasks", headers=bearer(bad))).status_code == 401


async def test_only_the_admin_deletes(client):
    user, admin = bearer(await token_of(client, "eve")), bearer(await token_of(client, "fay", role="admin"))
    task = (await client.post("/tasks", json={"title": "t"}, headers=user)).json()
    assert (await client.delete(f"/tasks/{task['id']}", headers=user)).status_code == 403
    assert (await client.delete(f"/tasks/{task['id']}", headers=admin)).status_code == 204
