"""Setup at start-up: the secret and the hashing context are made in the lifespan and kept
on app.state, the way a database pool would be. The checks run the lifespan before any
request, as uvicorn does."""

import os
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from jose import JWTError, jwt
from passlib.context import CryptContext
from pydantic import BaseModel

users: dict = {}
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.secret = os.environ["SECRET_KEY"]  # a missing secret stops the server at start, not at the first login
    app.state.pwd = CryptContext(schemes=["bcrypt"], deprecated="auto")
    yield


app = FastAPI(lifespan=lifespan)


class Register(BaseModel):
    email: str
    password: str


@app.post("/register")
def register(body: Register, request: Request):
    if body.email in users:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Email already registered")
    users[body.email] = {"email": body.email, "hashed_password": request.app.state.pwd.hash(body.password)}
    return {"email": body.email}


@app.post("/login")
def login(request: Request, form: OAuth2PasswordRequestForm = Depends()):
    state = request.app.state
    user = users.get(form.username)
    if user is None or not state.pwd.verify(form.password, user["hashed_password"]):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Incorrect email or password")
    exp = datetime.now(timezone.utc) + timedelta(minutes=30)
    return {"access_token": jwt.encode({"sub": user["email"], "exp": exp}, state.secret, algorithm="HS256"), "token_type": "bearer"}


def get_current_user(request: Request, token: str = Depends(oauth2_scheme)):
    err = HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    try:
        email = jwt.decode(token, request.app.state.secret, algorithms=["HS256"]).get("sub")
    except JWTError:
        raise err
    user = users.get(email)
    if user is None:
        raise err
    return user


@app.get("/me")
def me(user: dict = Depends(get_current_user)):
    return {"email": user["email"]}
