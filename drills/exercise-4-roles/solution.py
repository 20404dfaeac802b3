"""Exercise 4 · roles: a reference solution.

The server decides roles; the request never does.
"""

import os
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

users: dict[str, dict] = {}
tasks: dict[int, dict] = {}
next_id = 1


def admin_usernames() -> set[str]:
    # Whole names from a comma-separated list; spaces around a name and empty entries are dropped.
    return {name.strip() for name in os.environ.get("ADMIN_USERNAMES", "").split(",") if name.strip()}


def make_token(username: str, minutes: float = 30) -> str:
    expires = datetime.now(timezone.utc) + timedelta(minutes=minutes)
    return jwt.encode({"sub": username, "exp": expires}, SECRET, algorithm=ALGORITHM)


def get_current_user(token: str = Depends(oauth2_scheme)) -> dict:
    unauthorized = HTTPException(
        status_code=401, detail="Could not validate credentials", headers={"WWW-Authenticate": "Bearer"}
    )
    try:
        username = jwt.decode(token, SECRET, algorithms=[ALGORITHM]).get("sub")
    except jwt.InvalidTokenError:
        raise unauthorized
    user = users.get(username)
    if user is None:
        raise unauthorized
    return user


def require_admin(user: dict = Depends(get_current_user)) -> dict:
    if user["role"] != "admin":
        raise HTTPException(status_code=403, detail="Admin privileges required")
    return user


app = FastAPI()


class RegisterIn(BaseModel):
    # No role field: a "role" in the body is simply not read (pydantic ignores unknown keys).
    username: str
    password: str


class TaskIn(BaseModel):
    title: str


@app.post("/register", status_code=201)
def register(body: RegisterIn) -> dict:
    if body.username in users:
        raise HTTPException(status_code=400, detail="Username already registered")
    role = "admin" if body.username in admin_usernames() else "user"
    users[body.username] = {"username": body.username, "hashed_password": pwd.hash(body.password), "role": role}
    return {"username": body.username, "role": role}


@app.post("/token")
def login(form: OAuth2PasswordRequestForm = Depends()) -> dict:
    user = users.get(form.username)
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
