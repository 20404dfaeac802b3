"""Tests for the Tasks API (tests · verify): a reference suite.

Every behaviour the prompt lists has a test that fails when that behaviour
breaks. Each test makes its own accounts, so the tests pass in any order and one
failure does not hide another.
"""

from fastapi.testclient import TestClient

from tasks_api import app, make_token

client = TestClient(app)


def register(username: str, password: str, role: str | None = None):
    body = {"username": username, "password": password}
    if role is not None:
        body["role"] = role
    return client.post("/register", json=body)


def login(username: str, password: str):
    return client.post("/token", data={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def account(username: str, role: str = "user") -> dict[str, str]:
    """Registers `username` and logs in: the headers that carry its token."""
    assert register(username, "pw-" + username, role).status_code == 201
    return bearer(login(username, "pw-" + username).json()["access_token"])


# Register and log in ----------------------------------------------------------------
def test_register_answers_201_with_the_role_and_never_the_hash():
    answer = register("ada", "s3cret")
    assert answer.status_code == 201
    assert answer.json() == {"username": "ada", "role": "user"}  # the whole body: no hash beside it


def test_register_keeps_the_role_asked_for():
    answer = register("grace", "pw", role="admin")
    assert answer.status_code == 201
    assert answer.json() == {"username": "grace", "role": "admin"}


def test_a_taken_username_is_400_and_the_first_account_stays():
    register("linus", "first")
    assert register("linus", "second").status_code == 400
    assert login("linus", "first").status_code == 200  # the first password still logs in


def test_login_gives_a_bearer_token():
    register("alan", "pw-alan")
    answer = login("alan", "pw-alan")
    assert answer.status_code == 200
    assert answer.json()["token_type"].lower() == "bearer"
    assert client.get("/tasks", headers=bearer(answer.json()["access_token"])).status_code == 200


def test_a_wrong_password_is_401():
    register("edsger", "right")
    assert login("edsger", "wrong").status_code == 401


# Who is calling: 401 -------------------------------------------------------------------
def test_the_task_routes_need_a_token():
    assert client.get("/tasks").status_code == 401
    assert client.post("/tasks", json={"title": "no token"}).status_code == 401


def test_a_garbage_token_is_401():
    assert client.get("/tasks", headers=bearer("garbage")).status_code == 401


def test_a_token_with_a_tampered_signature_is_401():
    headers = account("barbara")
    head, payload, signature = headers["Authorization"].removeprefix("Bearer ").split(".")
    # A character in the middle: the last one also holds padding bits, and some changes
    # to it decode to the same signature.
    middle = len(signature) // 2
    swapped = "A" if signature[middle] != "A" else "B"
    forged = f"{head}.{payload}.{signature[:middle]}{swapped}{signature[middle + 1:]}"
    assert client.get("/tasks", headers=bearer(forged)).status_code == 401


def test_an_expired_token_is_401():
    account("ken")
    expired = make_token("ken", minutes=-1)
    assert client.get("/tasks", headers=bearer(expired)).status_code == 401


# What they may do: 204 and 403 -----------------------------------------------------------
def test_a_logged_in_user_creates_and_lists_tasks():
    headers = account("margaret")
    created = client.post("/tasks", json={"title": "Write tests"}, headers=headers)
    assert created.status_code == 201
    assert created.json()["owner"] == "margaret"
    assert created.json() in client.get("/tasks", headers=headers).json()


def test_the_admin_deletes_a_task():
    admin = account("frances", role="admin")
    task = client.post("/tasks", json={"title": "Old"}, headers=admin).json()
    assert client.delete(f"/tasks/{task['id']}", headers=admin).status_code == 204


def test_a_normal_user_may_not_delete_403_not_401():
    user = account("dennis")
    task = client.post("/tasks", json={"title": "Keep"}, headers=user).json()
    # 403: the token is fine (we know who it is), the role is not. 401 would say "log in".
    assert client.delete(f"/tasks/{task['id']}", headers=user).status_code == 403
