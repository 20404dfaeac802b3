"""Annotated dependencies; the admin list is itself a dependency, read from the environment per request."""

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


def require_admin(user: CurrentUser) -> dict:
    if user["role"] != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Admin privileges required")
    return user


Admin = Annotated[dict, Depends(require_admin)]


def admin_names() -> frozenset[str]:
    return frozenset(name.strip() for name in os.environ.get("ADMIN_USERNAMES", "").split(",") if name.strip())


AdminNames = Annotated[frozenset[str], Depends(admin_names)]


class RegisterIn(BaseModel):
    username: str
    password: str


class UserOut(BaseModel):
    username: str
    role: str


class TaskIn(BaseModel):
    title: str


class TaskOut(BaseModel):
    id: int
    title: str
    owner: str


app = FastAPI()


@app.post("/register", status_code=status.HTTP_201_CREATED, response_model=UserOut)
def register(body: RegisterIn, admins: AdminNames) -> dict:
    if body.username in users:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Username already registered")
    role = "admin" if body.username in admins else "user"
    users[body.username] = {"username": body.username, "hashed_password": password_hash.hash(body.password), "role": role}
    return users[body.username]  # response_model keeps only username and role


@app.post("/token")
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict:
    user = users.get(form.username)
    if not user or not password_hash.verify(form.password, user["hashed_password"]):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Incorrect username or password")
    return {"access_token": make_token(form.username), "token_type": "bearer"}


@app.get("/tasks", response_model=list[TaskOut])
def list_tasks(user: CurrentUser) -> list[dict]:
    return list(tasks.values())


@app.post("/tasks", status_code=status.HTTP_201_CREATED, response_model=TaskOut)
def create_task(body: TaskIn, user: CurrentUser) -> dict:
    global next_id
    tasks[next_id] = {"id": next_id, "title": body.title, "owner": user["username"]}
    next_id += 1
    return tasks[next_id - 1]


@app.delete("/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_task(task_id: int, admin: Admin) -> None:
    if task_id not in tasks:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Task not found")
    del tasks[task_id]
