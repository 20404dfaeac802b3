"""passlib's CryptContext (installed as libpass) and python-jose, with one connection for the
whole app, opened at import. FastAPI runs sync routes in worker threads, so the connection
allows that (check_same_thread=False) and a lock keeps two requests out of one transaction."""

import os
import sqlite3
import threading
from datetime import datetime, timedelta, timezone

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from jose import JWTError, jwt
from passlib.context import CryptContext
from pydantic import BaseModel

pwd_context = CryptContext(schemes=["bcrypt"], deprecated="auto")
SECRET_KEY = os.getenv("SECRET_KEY")
ALGORITHM = "HS256"
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

db = sqlite3.connect(os.environ["TASKS_DB"], check_same_thread=False)
db_lock = threading.Lock()
with db_lock, db:
    db.execute(
        """CREATE TABLE IF NOT EXISTS users (
               username TEXT NOT NULL UNIQUE,
               hashed_password TEXT NOT NULL,
               role TEXT NOT NULL DEFAULT 'user'
           )"""
    )

tasks = {}
next_id = 1

credentials_error = HTTPException(
    status_code=status.HTTP_401_UNAUTHORIZED,
    detail="Could not validate credentials",
    headers={"WWW-Authenticate": "Bearer"},
)


def find_user(username):
    with db_lock:
        row = db.execute("SELECT username, hashed_password, role FROM users WHERE username = ?", (username,)).fetchone()
    return None if row is None else {"username": row[0], "hashed_password": row[1], "role": row[2]}


def make_token(username, minutes=30):
    claims = {"sub": username, "exp": datetime.now(timezone.utc) + timedelta(minutes=minutes)}
    return jwt.encode(claims, SECRET_KEY, algorithm=ALGORITHM)


def get_current_user(token: str = Depends(oauth2_scheme)):
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
    except JWTError:
        raise credentials_error
    user = find_user(payload.get("sub"))
    if user is None:
        raise credentials_error
    return user


def require_admin(current: dict = Depends(get_current_user)):
    if current["role"] != "admin":
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Admins only")
    return current


app = FastAPI()


class NewUser(BaseModel):
    username: str
    password: str
    role: str = "user"


class NewTask(BaseModel):
    title: str


@app.post("/register", status_code=status.HTTP_201_CREATED)
def register(new: NewUser):
    hashed = pwd_context.hash(new.password)
    try:
        with db_lock, db:
            db.execute("INSERT INTO users (username, hashed_password, role) VALUES (?, ?, ?)", (new.username, hashed, new.role))
    except sqlite3.IntegrityError:
        raise HTTPException(status_code=status.HTTP_400_BAD_REQUEST, detail="Username taken")
    return {"username": new.username, "role": new.role}


@app.post("/token")
def token(form_data: OAuth2PasswordRequestForm = Depends()):
    user = find_user(form_data.username)
    if not user or not pwd_context.verify(form_data.password, user["hashed_password"]):
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Incorrect username or password")
    return {"access_token": make_token(user["username"]), "token_type": "Bearer"}


@app.get("/tasks")
def read_tasks(current: dict = Depends(get_current_user)):
    return [task for task in tasks.values()]


@app.post("/tasks", status_code=status.HTTP_201_CREATED)
def add_task(new: NewTask, current: dict = Depends(get_current_user)):
    global next_id
    tasks[next_id] = {"id": next_id, "title": new.title, "owner": current["username"]}
    next_id += 1
    return tasks[next_id - 1]


@app.delete("/tasks/{task_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_task(task_id: int, admin: dict = Depends(require_admin)):
    if tasks.pop(task_id, None) is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Task not found")
