"""Annotated dependencies and response models, with the expiry computed from time.time()."""

import os
import time
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from jose import JWTError, jwt
from passlib.context import CryptContext
from pydantic import BaseModel

SECRET = os.environ["SECRET_KEY"]
pwd = CryptContext(schemes=["bcrypt"], deprecated="auto")
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")
app = FastAPI()
users: dict[str, dict] = {}


class Credentials(BaseModel):
    email: str
    password: str


class Account(BaseModel):
    email: str


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


@app.post("/register", response_model=Account, status_code=201)
def register(body: Credentials):
    if body.email in users:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Email already registered")
    users[body.email] = {"email": body.email, "hashed_password": pwd.hash(body.password)}
    return users[body.email]  # response_model keeps only email


@app.post("/login", response_model=Token)
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]):
    user = users.get(form.username)
    if user is None or not pwd.verify(form.password, user["hashed_password"]):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Incorrect email or password", headers={"WWW-Authenticate": "Bearer"})
    claims = {"sub": form.username, "exp": int(time.time()) + 30 * 60}
    return Token(access_token=jwt.encode(claims, SECRET, algorithm="HS256"))


def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> dict:
    err = HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    try:
        email = jwt.decode(token, SECRET, algorithms=["HS256"]).get("sub")
    except JWTError:
        raise err
    user = users.get(email)
    if user is None:
        raise err
    return user


CurrentUser = Annotated[dict, Depends(get_current_user)]


@app.get("/me", response_model=Account)
def me(user: CurrentUser):
    return user
