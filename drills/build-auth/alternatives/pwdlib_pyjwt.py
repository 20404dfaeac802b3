"""pwdlib for hashing and PyJWT for tokens; the flow is the same."""

import os
from datetime import datetime, timedelta, timezone

import jwt
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pwdlib import PasswordHash
from pwdlib.hashers.bcrypt import BcryptHasher
from pydantic import BaseModel

SECRET = os.environ["SECRET_KEY"]
hasher = PasswordHash((BcryptHasher(),))
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")
app = FastAPI()
users: dict[str, dict] = {}

BAD_LOGIN = HTTPException(status.HTTP_401_UNAUTHORIZED, "Incorrect email or password", headers={"WWW-Authenticate": "Bearer"})
BAD_TOKEN = HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})


class NewUser(BaseModel):
    email: str
    password: str


@app.post("/register")
def register(new: NewUser) -> dict:
    if new.email in users:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Email already registered")
    users[new.email] = {"email": new.email, "hashed_password": hasher.hash(new.password)}
    return {"email": new.email}


@app.post("/login")
def login(form: OAuth2PasswordRequestForm = Depends()) -> dict:
    user = users.get(form.username)
    if user is None or not hasher.verify(form.password, user["hashed_password"]):
        raise BAD_LOGIN
    claims = {"sub": user["email"], "exp": datetime.now(timezone.utc) + timedelta(minutes=30)}
    return {"access_token": jwt.encode(claims, SECRET, algorithm="HS256"), "token_type": "Bearer"}


def get_current_user(token: str = Depends(oauth2_scheme)) -> dict:
    try:
        claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        raise BAD_TOKEN from None
    user = users.get(claims.get("sub"))
    if user is None:
        raise BAD_TOKEN
    return user


@app.get("/me")
def me(user: dict = Depends(get_current_user)) -> dict:
    return {"email": user["email"]}
