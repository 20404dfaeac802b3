"""SQLAlchemy 2.x Core: a `Table` on a `MetaData`, made at import; every write in
`engine.begin()`, which commits when the block ends. passlib (libpass) + python-jose, async routes."""

import os
from datetime import datetime, timedelta, timezone

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from jose import JWTError, jwt
from passlib.context import CryptContext
from pydantic import BaseModel
from sqlalchemy import Column, MetaData, String, Table, create_engine, insert, select
from sqlalchemy.exc import IntegrityError

pwd_context = CryptContext(schemes=["bcrypt"], deprecated="auto")
SECRET_KEY = os.environ["SECRET_KEY"]
ALGORITHM = "HS256"
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

metadata = MetaData()
users = Table(
    "users",
    metadata,
    Column("username", String, nullable=False, unique=True),
    Column("hashed_password", String, nullable=False),
    Column("role", String, nullable=False, server_default="user"),
)
engine = create_engine("sqlite:///" + os.environ["TASKS_DB"])
metadata.create_all(engine)  # CREATE TABLE only where there is none yet

tasks = {}
next_id = 1


def find_user(username):
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == username)).mappings().first()
    return dict(row) if row else None


def make_token(username, minutes=30):
    return jwt.encode({"sub": username, "exp": datetime.now(timezone.utc) + timedelta(minutes=minutes)}, SECRET_KEY, algorithm=ALGORITHM)


async def get_current_user(token: str = Depends(oauth2_scheme)):
    invalid = HTTPException(401, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    try:
        claims = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
    except JWTError:
        raise invalid
    user = find_user(claims.get("sub"))
    if user is None:
        raise invalid
    return user


async def require_admin(user: dict = Depends(get_current_user)):
    if user["role"] != "admin":
        raise HTTPException(403, "Admins only")
    return user


app = FastAPI()


class Signup(BaseModel):
    username: str
    password: str
    role: str = "user"


class NewTask(BaseModel):
    title: str


@app.post("/register", status_code=201)
async def register(body: Signup):
    row = {"username": body.username, "hashed_password": pwd_context.hash(body.password), "role": body.role}
    try:
        with engine.begin() as conn:
            conn.execute(insert(users).values(**row))
    except IntegrityError:
        raise HTTPException(400, "Username already registered")
    return {"username": body.username, "role": body.role}


@app.post("/token")
async def login(form: OAuth2PasswordRequestForm = Depends()):
    user = find_user(form.username)
    if user is None or not pwd_context.verify(form.password, user["hashed_password"]):
        raise HTTPException(401, "Incorrect username or password")
    return {"access_token": make_token(user["username"]), "token_type": "bearer"}


@app.get("/tasks")
async def list_tasks(user: dict = Depends(get_current_user)):
    return list(tasks.values())


@app.post("/tasks", status_code=201)
async def create_task(body: NewTask, user: dict = Depends(get_current_user)):
    global next_id
    tasks[next_id] = {"id": next_id, "title": body.title, "owner": user["username"]}
    next_id += 1
    return tasks[next_id - 1]


@app.delete("/tasks/{task_id}", status_code=204)
async def delete_task(task_id: int, admin: dict = Depends(require_admin)):
    if tasks.pop(task_id, None) is None:
        raise HTTPException(404, "Task not found")
