"""Annotated dependencies: one `owned_task` dependency finds the task and enforces who may touch it."""

import os
from datetime import datetime, timedelta, timezone
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pwdlib import PasswordHash
from pwdlib.hashers.bcrypt import BcryptHasher
from pydantic import BaseModel

password_hash = PasswordHash((BcryptHasher(),))
SECRET = os.environ.get("SECRET_KEY", "")
ALGORITHM = "HS256"
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

users: dict[str, dict] = {}
tasks: dict[int, dict] = {}
next_id = 1


def make_token(username: str, minutes: float = 30) -> str:
    payload = {"sub": username, "exp": datetime.now(timezone.utc) + timedelta(minutes=minutes)}
    return jwt.encode(payload, SECRET, algorithm=ALGORITHM)


def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> dict:
    try:
        username = jwt.decode(token, SECRET, algorithms=[ALGORITHM])["sub"]
    except (jwt.InvalidTokenError, KeyError):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", {"WWW-Authenticate": "Bearer"})
    if username not in users:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", {"WWW-Authenticate": "Bearer"})
    return users[username]


CurrentUser = Annotated[dict, Depends(get_current_user)]


def owned_task(task_id: int, user: CurrentUser) -> dict:
    task = tasks.get(task_id)
    if task is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Task not found")
    if task["owner"] != user["username"] and user["role"] != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Not your task")
    return task


OwnedTask = Annotated[dict, Depends(owned_task)]


class RegisterIn(BaseModel):
    username: str
    password: str
    role: str = "user"


class UserOut(BaseModel):
    username: str
    role: str


class TaskIn(BaseModel):
    title: str


app = FastAPI()


@app.post("/register", status_code=status.HTTP_201_CREATED, response_model=UserOut)
def register(body: RegisterIn) -> dict:
    if body.username in users:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Username already registered")
    users[body.username] = {"username": body.username, "hashed_password": password_hash.hash(body.password), "role": body.role}
    return users[body.username]


@app.post("/token")
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict:
    user = users.get(form.username)
    if not user or not password_hash.verify(form.password, user["hashed_password"]):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Incorrect username or password")
    return {"access_token": make_token(form.username), "token_type": "bearer"}


@app.get("/tasks")
def list_tasks(user: CurrentUser) -> list[dict]:
    return [t for t in tasks.values() if t["owner"] == user["username"]]


@app.post("/tasks", status_code=status.HTTP_201_CREATED)
def create_task(body: TaskIn, user: CurrentUser) -> dict:
    global next_id
    tasks[next_id] = {"id": next_id, "title": body.title, "owner": user["username"]}
    next_id += 1
    return tasks[next_id - 1]


@app.delete("/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_task(task: OwnedTask) -> None:
    del tasks[task["id"]]


@app.patch("/tasks/{task_id}")
def update_task(body: TaskIn, task: OwnedTask) -> dict:
    # owned_task resolves the user first (401), then the task (404), then the rule (403).
    task["title"] = body.title
    return task
