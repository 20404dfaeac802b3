# expect: users-table
"""Mistake: one connection for the whole app, and no commit: this process sees its own
INSERTs, but the rows are never written for any other connection, or the next start."""

import os
import sqlite3
from datetime import datetime, timedelta, timezone

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pwdlib import PasswordHash
from pwdlib.hashers.bcrypt import BcryptHasher
from pydantic import BaseModel

pwd = PasswordHash((BcryptHasher(),))
SECRET = os.environ["SECRET_KEY"]
ALGORITHM = "HS256"
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

db = sqlite3.connect(os.environ["TASKS_DB"], check_same_thread=False)
db.row_factory = sqlite3.Row
db.execute("CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY, hashed_password TEXT NOT NULL, role TEXT NOT NULL)")

tasks: dict[int, dict] = {}
next_id = 1


def get_user(username):
    row = db.execute("SELECT username, hashed_password, role FROM users WHERE username = ?", (username,)).fetchone()
    return dict(row) if row else None


def make_token(username: str, minutes: float = 30) -> str:
    expires = datetime.now(timezone.utc) + timedelta(minutes=minutes)
    return jwt.encode({"sub": username, "exp": expires}, SECRET, algorithm=ALGORITHM)


def get_current_user(token: str = Depends(oauth2_scheme)) -> dict:
    unauthorized = HTTPException(status_code=401, detail="Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    try:
        username = jwt.decode(token, SECRET, algorithms=[ALGORITHM]).get("sub")
    except jwt.InvalidTokenError:
        raise unauthorized
    user = get_user(username)
    if user is None:
        raise unauthorized
    return user


def require_admin(user: dict = Depends(get_current_user)) -> dict:
    if user["role"] != "admin":
        raise HTTPException(status_code=403, detail="Admin privileges required")
    return user


app = FastAPI()


class RegisterIn(BaseModel):
    username: str
    password: str
    role: str = "user"


class TaskIn(BaseModel):
    title: str


@app.post("/register", status_code=201)
def register(body: RegisterIn) -> dict:
    try:
        db.execute(
            "INSERT INTO users (username, hashed_password, role) VALUES (?, ?, ?)",
            (body.username, pwd.hash(body.password), body.role),
        )
    except sqlite3.IntegrityError:
        raise HTTPException(status_code=400, detail="Username already registered")
    return {"username": body.username, "role": body.role}


@app.post("/token")
def login(form: OAuth2PasswordRequestForm = Depends()) -> dict:
    user = get_user(form.username)
    if user is None or not pwd.verify(form.password, user["hashed_password"]):
        raise HTTPException(status_code=401, detail="Incorrect username or password")
    return {"access_token": make_token(form.username), "token_type": "bearer"}


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
