"""SQLAlchemy 2.x ORM: a declarative `User` model, one session per request from a dependency,
and the table made by `Base.metadata.create_all` in the lifespan. pwdlib + PyJWT, Annotated."""

import os
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from typing import Annotated, Iterator

import jwt
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pwdlib import PasswordHash
from pwdlib.hashers.bcrypt import BcryptHasher
from pydantic import BaseModel
from sqlalchemy import String, create_engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

password_hash = PasswordHash((BcryptHasher(),))
SECRET = os.environ["SECRET_KEY"]
ALGORITHM = "HS256"
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

# Four slashes for an absolute path: "sqlite:///" and then the path itself.
engine = create_engine(f"sqlite:///{os.environ['TASKS_DB']}")
SessionLocal = sessionmaker(engine)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    hashed_password: Mapped[str]
    role: Mapped[str] = mapped_column(default="user")


def get_db() -> Iterator[Session]:
    with SessionLocal() as session:
        yield session


DB = Annotated[Session, Depends(get_db)]
UNAUTHORIZED = HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", {"WWW-Authenticate": "Bearer"})

tasks: dict[int, dict] = {}
next_id = 1


def make_token(username: str, minutes: float = 30) -> str:
    payload = {"sub": username, "exp": datetime.now(timezone.utc) + timedelta(minutes=minutes)}
    return jwt.encode(payload, SECRET, algorithm=ALGORITHM)


def get_current_user(token: Annotated[str, Depends(oauth2_scheme)], db: DB) -> User:
    try:
        username = jwt.decode(token, SECRET, algorithms=[ALGORITHM]).get("sub")
    except jwt.InvalidTokenError:
        raise UNAUTHORIZED
    user = db.get(User, username) if isinstance(username, str) else None
    if user is None:
        raise UNAUTHORIZED
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_admin(user: CurrentUser) -> User:
    if user.role != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Admin privileges required")
    return user


@asynccontextmanager
async def lifespan(app: FastAPI):
    Base.metadata.create_all(engine)  # creates what is missing, never drops
    yield


app = FastAPI(lifespan=lifespan)


class RegisterIn(BaseModel):
    username: str
    password: str
    role: str = "user"


class TaskIn(BaseModel):
    title: str


@app.post("/register", status_code=status.HTTP_201_CREATED)
def register(body: RegisterIn, db: DB) -> dict:
    db.add(User(username=body.username, hashed_password=password_hash.hash(body.password), role=body.role))
    try:
        db.commit()
    except IntegrityError:  # the primary key: the name is taken, whichever process took it
        db.rollback()
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Username already registered")
    return {"username": body.username, "role": body.role}


@app.post("/token")
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], db: DB) -> dict:
    user = db.get(User, form.username)
    if user is None or not password_hash.verify(form.password, user.hashed_password):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Incorrect username or password")
    return {"access_token": make_token(user.username), "token_type": "bearer"}


@app.get("/tasks")
def list_tasks(user: CurrentUser) -> list[dict]:
    return list(tasks.values())


@app.post("/tasks", status_code=status.HTTP_201_CREATED)
def create_task(body: TaskIn, user: CurrentUser) -> dict:
    global next_id
    tasks[next_id] = {"id": next_id, "title": body.title, "owner": user.username}
    next_id += 1
    return tasks[next_id - 1]


@app.delete("/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_task(task_id: int, admin: Annotated[User, Depends(require_admin)]) -> None:
    if tasks.pop(task_id, None) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Task not found")
