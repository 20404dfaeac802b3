"""passlib (libpass) and python-jose; someone else's task is a 404, so its existence stays hidden."""

import os
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

users = {}
tasks = {}
next_id = 1


def make_token(username, minutes=30):
    claims = {"sub": username, "exp": datetime.now(timezone.utc) + timedelta(minutes=minutes)}
    return jwt.encode(claims, SECRET_KEY, algorithm=ALGORITHM)


def get_current_user(token: str = Depends(oauth2_scheme)):
    error = HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", {"WWW-Authenticate": "Bearer"})
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
    except JWTError:
        raise error
    user = users.get(payload.get("sub"))
    if user is None:
        raise error
    return user


app = FastAPI()


class NewUser(BaseModel):
    username: str
    password: str
    role: str = "user"


class NewTask(BaseModel):
    title: str


@app.post("/register", status_code=201)
def register(new: NewUser):
    if new.username in users:
        raise HTTPException(400, "Username taken")
    users[new.username] = {"username": new.username, "hashed_password": pwd_context.hash(new.password), "role": new.role}
    return {"username": new.username, "role": new.role}


@app.post("/token")
def token(form_data: OAuth2PasswordRequestForm = Depends()):
    user = users.get(form_data.username)
    if not user or not pwd_context.verify(form_data.password, user["hashed_password"]):
        raise HTTPException(401, "Incorrect username or password")
    return {"access_token": make_token(user["username"]), "token_type": "bearer"}


@app.get("/tasks")
def read_tasks(current: dict = Depends(get_current_user)):
    return [task for task in tasks.values() if task["owner"] == current["username"]]


@app.post("/tasks", status_code=201)
def add_task(new: NewTask, current: dict = Depends(get_current_user)):
    global next_id
    tasks[next_id] = {"id": next_id, "title": new.title, "owner": current["username"]}
    next_id += 1
    return tasks[next_id - 1]


@app.delete("/tasks/{task_id}", status_code=204)
def remove_task(task_id: int, current: dict = Depends(get_current_user)):
    task = tasks.get(task_id)
    # Not yours and not an admin: answer as if it did not exist.
    if task is None or (task["owner"] != current["username"] and current["role"] != "admin"):
        raise HTTPException(404, "Task not found")
    del tasks[task_id]


@app.patch("/tasks/{task_id}")
def edit_task(task_id: int, new: NewTask, current: dict = Depends(get_current_user)):
    task = tasks.get(task_id)
    # As for deletes: someone else's task does not exist, as far as this user can tell.
    if task is None or (task["owner"] != current["username"] and current["role"] != "admin"):
        raise HTTPException(404, "Task not found")
    task["title"] = new.title
    return task
