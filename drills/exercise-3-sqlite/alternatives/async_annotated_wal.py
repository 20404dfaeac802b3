"""Async routes and Annotated[...] dependencies; the path is read and the table made in the
lifespan; write-ahead logging; a users table with an id and a created_at column of its own;
rows read as plain tuples."""

import os
import sqlite3
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, Response
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pwdlib import PasswordHash
from pwdlib.hashers.bcrypt import BcryptHasher
from pydantic import BaseModel

pwd = PasswordHash((BcryptHasher(),))
SECRET = os.environ["SECRET_KEY"]
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
settings: dict = {}
tasks: dict[int, dict] = {}
next_id = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    hashed_password TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
)
"""


def open_db() -> sqlite3.Connection:
    return sqlite3.connect(settings["db"], timeout=10)


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings["db"] = os.environ["TASKS_DB"]
    conn = open_db()
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(SCHEMA)
        conn.commit()
    finally:
        conn.close()
    yield


app = FastAPI(lifespan=lifespan)


def fetch_user(username: str) -> dict | None:
    conn = open_db()
    try:
        row = conn.execute("SELECT username, hashed_password, role FROM users WHERE username = ?", (username,)).fetchone()
    finally:
        conn.close()
    return None if row is None else {"username": row[0], "hashed_password": row[1], "role": row[2]}


def make_token(username: str, minutes: int = 30) -> str:
    return jwt.encode({"sub": username, "exp": datetime.now(timezone.utc) + timedelta(minutes=minutes)}, SECRET, algorithm="HS256")


async def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> dict:
    denied = HTTPException(401, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    try:
        claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise denied
    user = fetch_user(claims.get("sub", ""))
    if user is None:
        raise denied
    return user


CurrentUser = Annotated[dict, Depends(get_current_user)]


async def require_admin(user: CurrentUser) -> dict:
    if user["role"] != "admin":
        raise HTTPException(403, "Admin privileges required")
    return user


class Signup(BaseModel):
    username: str
    password: str
    role: str = "user"


class TaskIn(BaseModel):
    title: str


@app.post("/register", status_code=201)
async def register(body: Signup):
    hashed = pwd.hash(body.password)
    conn = open_db()
    try:
        with conn:
            conn.execute("INSERT INTO users (username, hashed_password, role) VALUES (?, ?, ?)", (body.username, hashed, body.role))
    except sqlite3.IntegrityError:
        raise HTTPException(400, "Username already registered")
    finally:
        conn.close()
    return {"username": body.username, "role": body.role}


@app.post("/token")
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]):
    user = fetch_user(form.username)
    if user is None or not pwd.verify(form.password, user["hashed_password"]):
        raise HTTPException(401, "Incorrect username or password")
    return {"access_token": make_token(user["username"]), "token_type": "bearer"}


@app.get("/tasks")
async def list_tasks(user: CurrentUser):
    return list(tasks.values())


@app.post("/tasks", status_code=201)
async def create_task(body: TaskIn, user: CurrentUser):
    global next_id
    task = {"id": next_id, "title": body.title, "owner": user["username"]}
    tasks[next_id] = task
    next_id += 1
    return task


@app.delete("/tasks/{task_id}", status_code=204)
async def delete_task(task_id: int, admin: Annotated[dict, Depends(require_admin)]) -> Response:
    if tasks.pop(task_id, None) is None:
        raise HTTPException(404, "Task not found")
    return Response(status_code=204)
