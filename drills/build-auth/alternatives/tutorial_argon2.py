"""Build · auth in the style of FastAPI's security tutorial today: pwdlib's
PasswordHash.recommended() (Argon2), PyJWT, a user model built from the stored record,
a get_user helper, Annotated dependencies, and a dummy hash for unknown emails."""

import os
from datetime import datetime, timedelta, timezone
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from jwt.exceptions import InvalidTokenError
from pwdlib import PasswordHash
from pydantic import BaseModel

SECRET_KEY = os.environ["SECRET_KEY"]
ALGORITHM = "HS256"
TOKEN_LIFETIME = timedelta(minutes=30)

password_hash = PasswordHash.recommended()
# Verified against when the email is unknown, so every refused login costs one hash check.
DUMMY_HASH = password_hash.hash("placeholder-for-unknown-emails")
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")

users: dict[str, dict] = {}
app = FastAPI()


class SignUp(BaseModel):
    email: str
    password: str


class User(BaseModel):
    email: str
    disabled: bool = False


class UserInDB(User):
    hashed_password: str


class Token(BaseModel):
    access_token: str
    token_type: str


def get_user(email: str) -> UserInDB | None:
    record = users.get(email)
    return UserInDB(**record) if record is not None else None


def authenticate_user(email: str, password: str) -> UserInDB | None:
    user = get_user(email)
    if user is None:
        password_hash.verify(password, DUMMY_HASH)
        return None
    return user if password_hash.verify(password, user.hashed_password) else None


def create_access_token(email: str) -> str:
    claims = {"sub": email, "exp": datetime.now(timezone.utc) + TOKEN_LIFETIME}
    return jwt.encode(claims, SECRET_KEY, algorithm=ALGORITHM)


async def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> UserInDB:
    credentials_error = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Could not validate credentials",
        headers={"WWW-Authenticate": "Bearer"},
    )
    try:
        email = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM]).get("sub")
    except InvalidTokenError:
        raise credentials_error
    user = get_user(email) if isinstance(email, str) else None
    if user is None:
        raise credentials_error
    return user


@app.post("/register", status_code=status.HTTP_201_CREATED, response_model=User)
async def register(body: SignUp) -> dict:
    if body.email in users:
        raise HTTPException(status_code=status.HTTP_400_BAD_REQUEST, detail="Email already registered")
    users[body.email] = {"email": body.email, "hashed_password": password_hash.hash(body.password), "disabled": False}
    return users[body.email]


@app.post("/login")
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    user = authenticate_user(form.username, form.password)
    if user is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Incorrect email or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Token(access_token=create_access_token(user.email), token_type="bearer")


@app.get("/me", response_model=User)
async def me(current_user: Annotated[UserInDB, Depends(get_current_user)]) -> UserInDB:
    return current_user
