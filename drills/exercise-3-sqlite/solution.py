"""Exercise 3 · sqlite: a reference solution (pwdlib + PyJWT + the standard
library's sqlite3).

The project's Tasks API with its users in a SQLite table at the path in
TASKS_DB, so accounts survive a restart. Hashing and tokens are unchanged; only
where a user is read and written moved. Tasks stay in memory, as the exercise
asks about users only.
"""

import os
import sqlite3
from contextlib import asynccontextmanager, contextmanager
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
# From the environment too: a bare "tasks.db" would land wherever the server happens to start.
DB_PATH = os.environ.get("TASKS_DB", "tasks.db")
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

tasks: dict[int, dict] = {}  # id -> {"id", "title", "owner"}
next_id = 1


@contextmanager
def connect():
    """A connection per use: `with conn` commits on success and rolls back on an
    error."""
    conn = sqlite3.connect(DB_PATH)
    conn.row_factory = sqlite3.Row
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def init_db() -> None:
    with connect() as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS users ("
            " username TEXT PRIMARY KEY,"  # the unique constraint that turns a duplicate into IntegrityError
            " hashed_password TEXT NOT NULL,"
            " role TEXT NOT NULL DEFAULT 'user')"
        )


def get_user(username: str) -> dict | None:
    with connect() as conn:
        row = conn.execute("SELECT username, hashed_password, role FROM users WHERE username = ?", (username,)).fetchone()
    return dict(row) if row else None


def make_token(username: str, minutes: float = 30) -> str:
    expires = datetime.now(timezone.utc) + timedelta(minutes=minutes)
    return jwt.encode({"sub": username, "exp": expires}, SECRET, algorithm=ALGORITHM)


def get_current_user(token: str = Depends(oauth2_scheme)) -> dict:
    # One error for every way a token can be wrong, so a caller learns nothing from it.
    unauthorized = HTTPException(
        status_code=401, detail="Could not validate credentials", headers={"WWW-Authenticate": "Bearer"}
    )
    try:
        username = jwt.decode(token, SECRET, algorithms=[ALGORITHM]).get("sub")
    except jwt.InvalidTokenError:  # bad signature, garbage, expired: all the same to the caller
        raise unauthorized
    user = get_user(username) if isinstance(username, str) else None
    if user is None:
        raise unauthorized
    return user


def require_admin(user: dict = Depends(get_current_user)) -> dict:
    # Built on get_current_user, so a missing or bad token is a 401 before the role is looked at.
    if user["role"] != "admin":
        raise HTTPException(status_code=403, detail="Admin privileges required")
    return user


# The app: the table exists before the first request ------------------------------------
@asynccontextmanager
async def lifespan(app: FastAPI):
    init_db()
    yield


app = FastAPI(lifespan=lifespan)


class RegisterIn(BaseModel):
    username: str
    password: str
    role: str = "user"


class TaskIn(BaseModel):
    title: str


@app.post("/register", status_code=201)
def register(body: RegisterIn) -> dict:
    hashed = pwd.hash(body.password)
    try:
        with connect() as conn:
            conn.execute(
                "INSERT INTO users (username, hashed_password, role) VALUES (?, ?, ?)",
                (body.username, hashed, body.role),
            )
    except sqlite3.IntegrityError:  # the primary key says the name is taken, even across processes
        raise HTTPException(status_code=400, detail="Username already registered")
    return {"username": body.username, "role": body.role}  # never the hash


@app.post("/token")
def login(form: OAuth2PasswordRequestForm = Depends()) -> dict:
    user = get_user(form.username)
    # One test for both cases, so the answer does not reveal which usernames exist.
    if user is None or not pwd.verify(form.password, user["hashed_password"]):
        raise HTTPException(status_code=401, detail="Incorrect username or password")
    return {"access_token": make_token(form.username), "token_type": "bearer"}


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
