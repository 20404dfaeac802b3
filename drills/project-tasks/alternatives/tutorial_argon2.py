"""Project · tasks in the style of FastAPI's security tutorial today: pwdlib's
PasswordHash.recommended() (Argon2), PyJWT, user models built from the stored records,
a get_user helper, Annotated dependencies, and a dummy hash for unknown usernames."""

import os
from datetime import datetime, timedelta, timezone
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from jwt.exceptions import InvalidTokenError
from pwdlib import PasswordHash
from pydantic import BaseModel

SECRET_KEY = os.environ["SECRET_KEY"]
ALGORITHM = "HS256"

password_hash = PasswordHash.recommended()
DUMMY_HASH = password_hash.hash("placeholder-for-unknown-usernames")
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

users: dict[str, dict] = {}
tasks: dict[int, dict] = {}
task_ids = iter(range(1, 1_000_000))
app = FastAPI()


class SignUp(BaseModel):
    username: str
    password: str
    role: str = "user"


class User(BaseModel):
    username: str
    role: str


class UserInDB(User):
    hashed_password: str


class NewTask(BaseModel):
    title: str


class Task(NewTask):
    id: int
    owner: str


def get_user(username: str) -> UserInDB | None:
    record = users.get(username)
    return UserInDB(**record) if record is not None else None


def authenticate_user(username: str, password: str) -> UserInDB | None:
    user = get_user(username)
    if user is None:
        password_hash.verify(password, DUMMY_HASH)
        return None
    return user if password_hash.verify(password, user.hashed_password) else None


def make_token(username: str, minutes: float = 30) -> str:
    claims = {"sub": username, "exp": datetime.now(timezone.utc) + timedelta(minutes=minutes)}
    return jwt.encode(claims, SECRET_KEY, algorithm=ALGORITHM)


def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> UserInDB:
    credentials_error = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Could not validate credentials",
        headers={"WWW-Authenticate": "Bearer"},
    )
    try:
        username = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM]).get("sub")
    except InvalidTokenError:
        raise credentials_error
    user = get_user(username) if isinstance(username, str) else None
    if user is None:
        raise credentials_error
    return user


CurrentUser = Annotated[UserInDB, Depends(get_current_user)]


def require_admin(user: CurrentUser) -> UserInDB:
    if user.role != "admin":
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Admins only")
    return user


@app.post("/register", status_code=status.HTTP_201_CREATED, response_model=User)
def register(body: SignUp) -> dict:
    if body.username in users:
        raise HTTPException(status_code=status.HTTP_400_BAD_REQUEST, detail="Username already registered")
    users[body.username] = {"username": body.username, "role": body.role, "hashed_password": password_hash.hash(body.password)}
    return users[body.username]


@app.post("/token")
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict:
    user = authenticate_user(form.username, form.password)
    if user is None:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Incorrect username or password")
    return {"access_token": make_token(user.username), "token_type": "bearer"}


@app.get("/tasks")
def list_tasks(user: CurrentUser) -> list[Task]:
    return [Task(**task) for task in tasks.values()]


@app.post("/tasks", status_code=status.HTTP_201_CREATED)
def create_task(body: NewTask, user: CurrentUser) -> Task:
    task = Task(id=next(task_ids), title=body.title, owner=user.username)
    tasks[task.id] = task.model_dump()
    return task


@app.delete("/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_task(task_id: int, admin: Annotated[UserInDB, Depends(require_admin)]) -> None:
    if tasks.pop(task_id, None) is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Task not found")
