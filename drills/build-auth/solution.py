"""Build · auth: a reference solution."""

import os
from datetime import datetime, timedelta, timezone

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from jose import JWTError, jwt
from passlib.context import CryptContext
from pydantic import BaseModel

SECRET = os.environ["SECRET_KEY"]
ALGORITHM = "HS256"
TOKEN_MINUTES = 30

pwd = CryptContext(schemes=["bcrypt"], deprecated="auto")
# Checked when the email is unknown, so that refusal takes as long as a wrong password's.
DUMMY_HASH = pwd.hash("not-anyone's-password")
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")

app = FastAPI()
users: dict = {}  # email -> {"email": ..., "hashed_password": ...}; a database table later


class Credentials(BaseModel):
    email: str
    password: str


@app.post("/register", status_code=status.HTTP_201_CREATED)
def register(body: Credentials):
    if body.email in users:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Email already registered")
    users[body.email] = {"email": body.email, "hashed_password": pwd.hash(body.password)}
    return {"email": body.email}


@app.post("/login")
def login(form: OAuth2PasswordRequestForm = Depends()):
    user = users.get(form.username)
    # One answer for both failures, and one hash check for both, so neither the answer nor
    # its timing tells who has an account.
    hashed = user["hashed_password"] if user else DUMMY_HASH
    if not pwd.verify(form.password, hashed) or user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Incorrect email or password", headers={"WWW-Authenticate": "Bearer"}
        )
    expires = datetime.now(timezone.utc) + timedelta(minutes=TOKEN_MINUTES)
    token = jwt.encode({"sub": user["email"], "exp": expires}, SECRET, algorithm=ALGORITHM)
    return {"access_token": token, "token_type": "bearer"}


def get_current_user(token: str = Depends(oauth2_scheme)):
    unauthorized = HTTPException(
        status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"}
    )
    try:
        email = jwt.decode(token, SECRET, algorithms=[ALGORITHM]).get("sub")
    except JWTError:
        raise unauthorized
    user = users.get(email)
    if user is None:
        raise unauthorized
    return user


@app.get("/me")
def me(user: dict = Depends(get_current_user)):
    return {"email": user["email"]}
