"""Exercise 1 · owner: a reference solution.

Each user sees, deletes and updates only their own tasks; admins delete and
update any.
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


def may_change(user: dict, task: dict) -> bool:
    # The one rule for touching a task, so delete (and any later update) cannot drift apart.
    return task["owner"] == user["username"] or user["role"] == "admin"


app = FastAPI()


class RegisterIn(BaseModel):
    username: str
    password: str
    role: str = "user"


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
    return {"username": body.username, "role": body.role}


@app.post("/token")
def login(form: OAuth2PasswordRequestForm = Depends()) -> dict:
    user = users.get(form.username)
    if user is None or not pwd.verify(form.password, user["hashed_password"]):
        raise HTTPException(status_code=401, detail="Incorrect username or password")
    return {"access_token": make_token(form.username), "token_type": "bearer"}


@app.get("/tasks")
def list_tasks(user: dict = Depends(get_current_user)) -> list[dict]:
    # The filter uses the user the token proved, never anything the client sends.
    return [task for task in tasks.values() if task["owner"] == user["username"]]


@app.post("/tasks", status_code=201)
def create_task(body: TaskIn, user: dict = Depends(get_current_user)) -> dict:
    global next_id
    task = {"id": next_id, "title": body.title, "owner": user["username"]}
    tasks[next_id] = task
    next_id += 1
    return task


@app.delete("/tasks/{task_id}", status_code=204)
def delete_task(task_id: int, user: dict = Depends(get_current_user)) -> None:
    task = tasks.get(task_id)
    if task is None:
        raise HTTPException(status_code=404, detail="Task not found")
    if not may_change(user, task):
        raise HTTPException(status_code=403, detail="Not your task")
    del tasks[task_id]


@app.patch("/tasks/{task_id}")
def update_task(task_id: int, body: TaskIn, user: dict = Depends(get_current_user)) -> dict:
    stored = tasks.get(task_id)
    if stored is None:
        raise HTTPException(status_code=404, detail="No such task")
    if not may_change(user, stored):
        raise HTTPException(status_code=403, detail="Only its owner or an admin may change it")
    # The stored dict itself, so GET /tasks shows the new title too.
    stored["title"] = body.title
    return stored
