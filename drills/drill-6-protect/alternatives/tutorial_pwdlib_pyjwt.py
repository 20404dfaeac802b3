"""In the style of FastAPI's security tutorial today: pwdlib's PasswordHash.recommended()
(Argon2) with a dummy hash, so that a login for an unknown email costs as much as a wrong
password; PyJWT; pydantic User/UserInDB models built from the stored record; Annotated
dependencies; an active-user dependency; and the route's return type, User, choosing the
public fields."""

import os
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jwt.exceptions import InvalidTokenError
from pwdlib import PasswordHash
from pydantic import BaseModel

SECRET = os.environ["SECRET_KEY"]
ALGORITHM = "HS256"

users: dict = {}


class User(BaseModel):
    email: str
    username: str | None = None
    full_name: str | None = None
    disabled: bool | None = None


class UserInDB(User):
    hashed_password: str


password_hash = PasswordHash.recommended()
DUMMY_HASH = password_hash.hash("no account has this password")
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")

app = FastAPI()


def get_user(db: dict, email: str) -> UserInDB | None:
    record = db.get(email)
    return UserInDB(**record) if record is not None else None


def authenticate_user(db: dict, email: str, password: str) -> UserInDB | None:
    user = get_user(db, email)
    if user is None:
        password_hash.verify(password, DUMMY_HASH)  # the same work as for a known email
        return None
    return user if password_hash.verify(password, user.hashed_password) else None


async def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> UserInDB:
    credentials_error = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Could not validate credentials",
        headers={"WWW-Authenticate": "Bearer"},
    )
    try:
        email = jwt.decode(token, SECRET, algorithms=[ALGORITHM]).get("sub")
    except InvalidTokenError:
        raise credentials_error
    if email is None:
        raise credentials_error
    user = get_user(users, email)
    if user is None:
        raise credentials_error
    return user


async def get_current_active_user(current_user: Annotated[User, Depends(get_current_user)]) -> User:
    if current_user.disabled:
        raise HTTPException(status_code=400, detail="Inactive user")
    return current_user


@app.get("/me")
async def read_me(current_user: Annotated[User, Depends(get_current_active_user)]) -> User:
    return current_user
