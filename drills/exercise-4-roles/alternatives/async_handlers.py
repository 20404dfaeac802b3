"""Async handlers; the lifespan reads ADMIN_USERNAMES into the store at start-up; the body may carry a role, unread."""

import os
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from itertools import count

import jwt
from fastapi import Depends, FastAPI, HTTPException, Response
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pwdlib import PasswordHash
from pwdlib.hashers.bcrypt import BcryptHasher
from pydantic import BaseModel

pwd = PasswordHash((BcryptHasher(),))
SECRET = os.environ["SECRET_KEY"]
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
store: dict = {}


@asynccontextmanager
async def lifespan(app: FastAPI):
    names = os.environ.get("ADMIN_USERNAMES", "")
    store.update(users={}, tasks={}, ids=count(1), admins={n.strip() for n in names.split(",") if n.strip()})
    yield
    store.clear()


app = FastAPI(lifespan=lifespan)


def make_token(username: str, minutes: int = 30) -> str:
    return jwt.encode({"sub": username, "exp": datetime.now(timezone.utc) + timedelta(minutes=minutes)}, SECRET, algorithm="HS256")


async def get_current_user(token: str = Depends(oauth2_scheme)) -> dict:
    try:
        claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise HTTPException(401, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    user = store["users"].get(claims.get("sub"))
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
    role: str = "user"  # accepted so old clients still validate; never read


class Task(BaseModel):
    title: str


@app.post("/register", status_code=201)
async def register(body: Signup):
    if body.username in store["users"]:
        raise HTTPException(400, "Username already registered")
    role = "admin" if body.username in store["admins"] else "user"
    store["users"][body.username] = {"username": body.username, "hashed_password": pwd.hash(body.password), "role": role}
    return {"username": body.username, "role": role}


@app.post("/token")
async def login(form: OAuth2PasswordRequestForm = Depends()):
    user = store["users"].get(form.username)
    if user is None or not pwd.verify(form.password, user["hashed_password"]):
        raise HTTPException(401, "Incorrect username or password")
    return {"access_token": make_token(user["username"]), "token_type": "bearer"}


@app.get("/tasks")
async def list_tasks(user: dict = Depends(get_current_user)):
    return list(store["tasks"].values())


@app.post("/tasks", status_code=201)
async def create_task(body: Task, user: dict = Depends(get_current_user)):
    task_id = next(store["ids"])
    store["tasks"][task_id] = {"id": task_id, "title": body.title, "owner": user["username"]}
    return store["tasks"][task_id]


@app.delete("/tasks/{task_id}")
async def delete_task(task_id: int, user: dict = Depends(require_admin)):
    if task_id not in store["tasks"]:
        raise HTTPException(404, "Task not found")
    del store["tasks"][task_id]
    return Response(status_code=204)
