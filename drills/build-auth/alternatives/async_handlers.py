"""Async handlers. bcrypt is slow on purpose, so it runs in the thread pool: called
directly inside async def, it would stall every other request while it hashes."""

import os
from datetime import datetime, timedelta, timezone

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from jose import JWTError, jwt
from passlib.context import CryptContext
from pydantic import BaseModel

SECRET = os.environ["SECRET_KEY"]
pwd = CryptContext(schemes=["bcrypt"], deprecated="auto")
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")
app = FastAPI()
users: dict = {}


class Register(BaseModel):
    email: str
    password: str


@app.post("/register", status_code=201)
async def register(body: Register):
    if body.email in users:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Email already registered")
    hashed = await run_in_threadpool(pwd.hash, body.password)
    # Checked again: another request for the same email may have finished while this one hashed.
    if body.email in users:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Email already registered")
    users[body.email] = {"email": body.email, "hashed_password": hashed}
    return {"email": body.email}


@app.post("/login")
async def login(form: OAuth2PasswordRequestForm = Depends()):
    user = users.get(form.username)
    ok = user is not None and await run_in_threadpool(pwd.verify, form.password, user["hashed_password"])
    if not ok:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Incorrect email or password")
    exp = datetime.now(timezone.utc) + timedelta(minutes=30)
    return {"access_token": jwt.encode({"sub": user["email"], "exp": exp}, SECRET, algorithm="HS256"), "token_type": "bearer"}


async def get_current_user(token: str = Depends(oauth2_scheme)):
    err = HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    try:
        email = jwt.decode(token, SECRET, algorithms=["HS256"]).get("sub")
    except JWTError:
        raise err
    if email not in users:
        raise err
    return users[email]


@app.get("/me")
async def me(user: dict = Depends(get_current_user)):
    return {"email": user["email"]}
