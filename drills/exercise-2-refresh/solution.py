"""Exercise 2 · refresh: a reference solution (pwdlib + PyJWT).

The project's Tasks API, plus a long-lived refresh token issued at login and a
POST /refresh that trades it for a new access token.
"""

import os
from datetime import datetime, timedelta, timezone

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pwdlib import PasswordHash
from pwdlib.hashers.bcrypt import BcryptHasher
from pydantic import BaseModel

# Security machinery -----------------------------------------------------------------
pwd = PasswordHash((BcryptHasher(),))
SECRET = os.environ["SECRET_KEY"]  # from the environment: never written in the code
ALGORITHM = "HS256"
REFRESH_DAYS = 7
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

users: dict[str, dict] = {}  # username -> {"username", "hashed_password", "role"}
tasks: dict[int, dict] = {}  # id -> {"id", "title", "owner"}
next_id = 1


def _encode(username: str, kind: str, lifetime: timedelta) -> str:
    # Both kinds share one key; the "type" claim is what keeps each out of the other's door.
    payload = {"sub": username, "type": kind, "exp": datetime.now(timezone.utc) + lifetime}
    return jwt.encode(payload, SECRET, algorithm=ALGORITHM)


def make_token(username: str, minutes: float = 30) -> str:
    return _encode(username, "access", timedelta(minutes=minutes))


def make_refresh_token(username: str) -> str:
    return _encode(username, "refresh", timedelta(days=REFRESH_DAYS))


def user_from_token(token: str, kind: str) -> dict:
    """The user a token of type `kind` names, or the one 401 for every way it
    can be wrong."""
    unauthorized = HTTPException(
        status_code=401, detail="Could not validate credentials", headers={"WWW-Authenticate": "Bearer"}
    )
    try:
        payload = jwt.decode(token, SECRET, algorithms=[ALGORITHM])
    except jwt.InvalidTokenError:  # bad signature, garbage, expired: all the same to the caller
        raise unauthorized
    # Allow only the kind this door expects, so a token type added later is refused by default.
    if payload.get("type") != kind:
        raise unauthorized
    user = users.get(payload.get("sub"))
    if user is None:
        raise unauthorized
    return user


def get_current_user(token: str = Depends(oauth2_scheme)) -> dict:
    return user_from_token(token, "access")


def require_admin(user: dict = Depends(get_current_user)) -> dict:
    # Built on get_current_user, so a missing or bad token is a 401 before the role is looked at.
    if user["role"] != "admin":
        raise HTTPException(status_code=403, detail="Admin privileges required")
    return user


# Register, log in, refresh ------------------------------------------------------------
app = FastAPI()


class RegisterIn(BaseModel):
    username: str
    password: str
    role: str = "user"


class RefreshIn(BaseModel):
    refresh_token: str


class TaskIn(BaseModel):
    title: str


@app.post("/register", status_code=201)
def register(body: RegisterIn) -> dict:
    if body.username in users:
        raise HTTPException(status_code=400, detail="Username already registered")
    users[body.username] = {
        "username": body.username,
        "hashed_password": pwd.hash(body.password),
        "role": body.role,
    }
    return {"username": body.username, "role": body.role}  # never the hash


@app.post("/token")
def login(form: OAuth2PasswordRequestForm = Depends()) -> dict:
    user = users.get(form.username)
    # One test for both cases, so the answer does not reveal which usernames exist.
    if user is None or not pwd.verify(form.password, user["hashed_password"]):
        raise HTTPException(status_code=401, detail="Incorrect username or password")
    return {
        "access_token": make_token(form.username),
        "refresh_token": make_refresh_token(form.username),
        "token_type": "bearer",
    }


@app.post("/refresh")
def refresh(body: RefreshIn) -> dict:
    # No password here: the refresh token is the proof, so it must be a refresh token.
    user = user_from_token(body.refresh_token, "refresh")
    return {"access_token": make_token(user["username"]), "token_type": "bearer"}


# Tasks --------------------------------------------------------------------------------
@app.get("/tasks")
def list_tasks(user: dict = Depends(get_current_user)) -> list[dict]:
    return list(tasks.values())


@app.post("/tasks", status_code=201)
def create_task(body: TaskIn, user: dict = Depends(get_current_user)) -> dict:
    global next_id
    task = {"id": next_id, "title": body.title, "owner": user["username"]}
    tasks[next_id] = task
    next_id += 1
    return task


@app.delete("/tasks/{task_id}", status_code=204)
def delete_task(task_id: int, user: dict = Depends(require_admin)) -> None:
    if task_id not in tasks:
        raise HTTPException(status_code=404, detail="Task not found")
    del tasks[task_id]
