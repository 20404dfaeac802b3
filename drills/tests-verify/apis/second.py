"""A second correct Tasks API: the project drill's contract, written another way than its
reference (routers, a store object, async handlers, Annotated dependencies, epoch-second
expiry), so that a suite passes only by testing what an API does, not how one file spells it.
"""

import os
import time
from typing import Annotated

import jwt
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Response, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pwdlib import PasswordHash
from pwdlib.hashers.bcrypt import BcryptHasher
from pydantic import BaseModel

KEY = os.environ["SECRET_KEY"]
hasher = PasswordHash([BcryptHasher()])
bearer_scheme = OAuth2PasswordBearer(tokenUrl="token")


class Store:
    """Accounts and tasks, kept together: the accounts hold hashes, never passwords."""

    def __init__(self) -> None:
        self.accounts: dict[str, tuple[str, str]] = {}  # username -> (hash, role)
        self.items: list[dict] = []
        self.counter = 0

    def add_task(self, title: str, owner: str) -> dict:
        self.counter += 1
        item = {"id": self.counter, "title": title, "owner": owner}
        self.items.append(item)
        return item

    def remove_task(self, task_id: int) -> bool:
        for index, item in enumerate(self.items):
            if item["id"] == task_id:
                del self.items[index]
                return True
        return False


store = Store()


def make_token(username: str, minutes: float = 30) -> str:
    now = int(time.time())
    return jwt.encode({"sub": username, "iat": now, "exp": now + int(minutes * 60)}, KEY, algorithm="HS256")


async def current_user(token: Annotated[str, Depends(bearer_scheme)]) -> dict:
    refused = HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", {"WWW-Authenticate": "Bearer"})
    try:
        claims = jwt.decode(token, KEY, algorithms=["HS256"], options={"require": ["exp", "sub"]})
    except jwt.PyJWTError:
        raise refused from None
    account = store.accounts.get(claims["sub"])
    if account is None:
        raise refused
    return {"username": claims["sub"], "role": account[1]}


Caller = Annotated[dict, Depends(current_user)]


async def admin_only(caller: Caller) -> dict:
    if caller["role"] != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only an admin may do that")
    return caller


Admin = Annotated[dict, Depends(admin_only)]


class NewAccount(BaseModel):
    username: str
    password: str
    role: str = "user"


class NewTask(BaseModel):
    title: str


accounts = APIRouter(tags=["accounts"])
work = APIRouter(prefix="/tasks", tags=["tasks"])


@accounts.post("/register", status_code=status.HTTP_201_CREATED)
async def sign_up(new: NewAccount) -> dict:
    if new.username in store.accounts:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "That username is taken")
    store.accounts[new.username] = (hasher.hash(new.password), new.role)
    return {"username": new.username, "role": new.role}


@accounts.post("/token")
async def log_in(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict:
    account = store.accounts.get(form.username)
    if account is None or not hasher.verify(form.password, account[0]):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Incorrect username or password", {"WWW-Authenticate": "Bearer"})
    return {"access_token": make_token(form.username), "token_type": "bearer"}


@work.get("")
async def all_tasks(caller: Caller) -> list[dict]:
    return list(store.items)


@work.post("", status_code=status.HTTP_201_CREATED)
async def add(task: NewTask, caller: Caller) -> dict:
    return store.add_task(task.title, caller["username"])


@work.delete("/{task_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove(task_id: int, admin: Admin) -> Response:
    if not store.remove_task(task_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such task")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


app = FastAPI(title="Tasks")
app.include_router(accounts)
app.include_router(work)
