"""Async handlers; deleting stays admin-only (an owner's own delete is 403, her own update a 200), and admins list every task."""

import os
from datetime import datetime, timedelta, timezone

import jwt
from fastapi import Depends, FastAPI, HTTPException, Response
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pwdlib import PasswordHash
from pwdlib.hashers.bcrypt import BcryptHasher
from pydantic import BaseModel

pwd = PasswordHash((BcryptHasher(),))
SECRET = os.environ["SECRET_KEY"]
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
users: dict = {}
tasks: dict = {}
counter = {"next": 1}
app = FastAPI()


def make_token(username: str, minutes: int = 30) -> str:
    return jwt.encode({"sub": username, "exp": datetime.now(timezone.utc) + timedelta(minutes=minutes)}, SECRET, algorithm="HS256")


async def get_current_user(token: str = Depends(oauth2_scheme)) -> dict:
    try:
        claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise HTTPException(401, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    user = users.get(claims.get("sub"))
    if user is None:
        raise HTTPException(401, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    return user


async def require_admin(user: dict = Depends(get_current_user)) -> dict:
    if user["role"] != "admin":
        raise HTTPException(403, "Admin privileges required")
    return user


class Signup(BaseModel):
    username: str
    password: str
    role: str = "user"


class Task(BaseModel):
    title: str


@app.post("/register", status_code=201)
async def register(body: Signup):
    if body.username in users:
        raise HTTPException(400, "Username already registered")
    users[body.username] = {"username": body.username, "hashed_password": pwd.hash(body.password), "role": body.role}
    return {"username": body.username, "role": body.role}


@app.post("/token")
async def login(form: OAuth2PasswordRequestForm = Depends()):
    user = users.get(form.username)
    if user is None or not pwd.verify(form.password, user["hashed_password"]):
        raise HTTPException(401, "Incorrect username or password")
    return {"access_token": make_token(user["username"]), "token_type": "bearer"}


@app.get("/tasks")
async def list_tasks(user: dict = Depends(get_current_user)):
    if user["role"] == "admin":
        return list(tasks.values())
    return [t for t in tasks.values() if t["owner"] == user["username"]]


@app.post("/tasks", status_code=201)
async def create_task(body: Task, user: dict = Depends(get_current_user)):
    task_id = counter["next"]
    counter["next"] += 1
    tasks[task_id] = {"id": task_id, "title": body.title, "owner": user["username"]}
    return tasks[task_id]


@app.delete("/tasks/{task_id}")
async def delete_task(task_id: int, admin: dict = Depends(require_admin)):
    if tasks.pop(task_id, None) is None:
        raise HTTPException(404, "Task not found")
    return Response(status_code=204)


@app.patch("/tasks/{task_id}")
async def rename_task(task_id: int, body: Task, user: dict = Depends(get_current_user)):
    # Deleting is for admins only, but an owner may edit her own task.
    task = tasks.get(task_id)
    if task is None:
        raise HTTPException(404, "Task not found")
    if user["role"] != "admin" and task["owner"] != user["username"]:
        raise HTTPException(403, "Not your task")
    tasks[task_id] = {**task, "title": body.title}
    return tasks[task_id]
