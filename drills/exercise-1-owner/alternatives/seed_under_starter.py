"""Tasks API (project · tasks). Read the prompt with: drilltutor start tasks"""

import os
from datetime import datetime, timedelta, timezone

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pwdlib import PasswordHash
from pwdlib.hashers.bcrypt import BcryptHasher
from pydantic import BaseModel

# Stage 1: the security machinery
#   pwd (bcrypt), SECRET from os.environ["SECRET_KEY"], ALGORITHM = "HS256",
#   oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token"),
#   users = {}, tasks = {}, next_id = 1,
#   make_token(username, minutes=30), get_current_user (401), require_admin (403).

# Stage 2: app = FastAPI(), POST /register (201; duplicate 400), POST /token (form; 401).

# Stage 3: GET /tasks, POST /tasks (201, owner = current user), DELETE /tasks/{task_id} (admin only; 204, 404).

from datetime import datetime, timedelta, timezone
import jwt
from fastapi import FastAPI, Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pydantic import BaseModel
from pwdlib import PasswordHash
from pwdlib.hashers.bcrypt import BcryptHasher

pwd = PasswordHash((BcryptHasher(),))
SECRET = "CHANGE-ME-IN-PRODUCTION"  # load from env in production; never commit
ALGORITHM = "HS256"
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

# In-memory stores. In a real app these would be the Module 5 database.
users = {}
tasks = {}
next_id = 1

def make_token(username, minutes=30):
    return jwt.encode(
        {"sub": username, "exp": datetime.now(timezone.utc) + timedelta(minutes=minutes)},
        SECRET, algorithm=ALGORITHM,
    )

def get_current_user(token: str = Depends(oauth2_scheme)):
    exc = HTTPException(status_code=401, detail="Could not validate credentials")
    try:
        username = jwt.decode(token, SECRET, algorithms=[ALGORITHM]).get("sub")
    except jwt.InvalidTokenError:
        raise exc
    user = users.get(username)
    if not user:
        raise exc
    return user

def require_admin(user: dict = Depends(get_current_user)):
    if user["role"] != "admin":
        raise HTTPException(status_code=403, detail="Admin privileges required")
    return user

app = FastAPI()

class RegisterIn(BaseModel):
    username: str
    password: str
    role: str = "user"

@app.post("/register", status_code=201)
def register(body: RegisterIn):
    if body.username in users:
        raise HTTPException(status_code=400, detail="Username already registered")
    users[body.username] = {
        "username": body.username,
        "hashed_password": pwd.hash(body.password),
        "role": body.role,
    }
    return {"username": body.username, "role": body.role}

@app.post("/token")
def login(form: OAuth2PasswordRequestForm = Depends()):
    user = users.get(form.username)
    if not user or not pwd.verify(form.password, user["hashed_password"]):
        raise HTTPException(status_code=401, detail="Incorrect username or password")
    return {"access_token": make_token(form.username), "token_type": "bearer"}

class TaskIn(BaseModel):
    title: str

@app.get("/tasks")
def list_tasks(user: dict = Depends(get_current_user)):
    return [t for t in tasks.values() if t["owner"] == user["username"]]

@app.post("/tasks", status_code=201)
def create_task(body: TaskIn, user: dict = Depends(get_current_user)):
    global next_id
    task = {"id": next_id, "title": body.title, "owner": user["username"]}
    tasks[next_id] = task
    next_id += 1
    return task

@app.delete("/tasks/{task_id}", status_code=204)
def delete_task(task_id: int, user: dict = Depends(get_current_user)):
    if task_id not in tasks:
        raise HTTPException(status_code=404, detail="Task not found")
    if tasks[task_id]["owner"] != user["username"] and user["role"] != "admin":
        raise HTTPException(status_code=403, detail="Not your task")
    del tasks[task_id]
    return None

@app.patch("/tasks/{task_id}")
def update_task(task_id: int, body: TaskIn, user: dict = Depends(get_current_user)):
    if task_id not in tasks:
        raise HTTPException(status_code=404, detail="Task not found")
    if tasks[task_id]["owner"] != user["username"] and user["role"] != "admin":
        raise HTTPException(status_code=403, detail="Not your task")
    tasks[task_id]["title"] = body.title
    return tasks[task_id]
