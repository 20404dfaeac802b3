"""Async routes and Annotated[...] dependencies; the kind claim is called "token_use", and
/refresh is a dependency of its own that hands the route a user, as get_current_user does."""

import os
from datetime import datetime, timedelta, timezone
from typing import Annotated

import jwt
from fastapi import Body, Depends, FastAPI, HTTPException, Response
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pwdlib import PasswordHash
from pwdlib.hashers.bcrypt import BcryptHasher
from pydantic import BaseModel

pwd = PasswordHash((BcryptHasher(),))
SECRET = os.environ["SECRET_KEY"]
ACCESS, REFRESH = "access", "refresh"
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

users: dict[str, dict] = {}
tasks: dict[int, dict] = {}
next_id = 1


def _mint(username: str, use: str, lifetime: timedelta) -> str:
    claims = {"sub": username, "token_use": use, "iat": datetime.now(timezone.utc), "exp": datetime.now(timezone.utc) + lifetime}
    return jwt.encode(claims, SECRET, algorithm="HS256")


def make_token(username: str, minutes: int = 30) -> str:
    return _mint(username, ACCESS, timedelta(minutes=minutes))


def _user_for(token: str, use: str) -> dict:
    denied = HTTPException(401, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    try:
        claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise denied
    user = users.get(claims.get("sub")) if claims.get("token_use") == use else None
    if user is None:
        raise denied
    return user


async def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> dict:
    return _user_for(token, ACCESS)


async def user_from_refresh(refresh_token: Annotated[str, Body(embed=True)]) -> dict:
    return _user_for(refresh_token, REFRESH)


CurrentUser = Annotated[dict, Depends(get_current_user)]


async def require_admin(user: CurrentUser) -> dict:
    if user["role"] != "admin":
        raise HTTPException(403, "Admin privileges required")
    return user


app = FastAPI()


class Signup(BaseModel):
    username: str
    password: str
    role: str = "user"


class TaskIn(BaseModel):
    title: str


@app.post("/register", status_code=201)
async def register(body: Signup):
    if body.username in users:
        raise HTTPException(400, "Username already registered")
    users[body.username] = {"username": body.username, "hashed_password": pwd.hash(body.password), "role": body.role}
    return {"username": body.username, "role": body.role}


@app.post("/token")
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]):
    user = users.get(form.username)
    if user is None or not pwd.verify(form.password, user["hashed_password"]):
        raise HTTPException(401, "Incorrect username or password")
    return {
        "access_token": make_token(user["username"]),
        "refresh_token": _mint(user["username"], REFRESH, timedelta(days=7)),
        "token_type": "bearer",
    }


@app.post("/refresh")
async def refresh(user: Annotated[dict, Depends(user_from_refresh)]):
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
