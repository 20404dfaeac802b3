"""In the style of FastAPI's security tutorial today: pwdlib's PasswordHash.recommended()
(Argon2), PyJWT, `str | None` models, Annotated dependencies, and a get_user(db, email)
helper that builds UserInDB from the stored record."""

import os
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jwt.exceptions import InvalidTokenError
from pwdlib import PasswordHash
from pydantic import BaseModel

SECRET = os.environ["SECRET_KEY"]
ALGORITHM = "HS256"

users: dict = {}


class TokenData(BaseModel):
    email: str | None = None


class User(BaseModel):
    email: str
    username: str | None = None
    full_name: str | None = None
    disabled: bool | None = None


class UserInDB(User):
    hashed_password: str


password_hash = PasswordHash.recommended()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")


def get_user(db: dict, email: str) -> UserInDB | None:
    record = db.get(email)
    return UserInDB(**record) if record is not None else None


async def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> UserInDB:
    credentials_error = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Could not validate credentials",
        headers={"WWW-Authenticate": "Bearer"},
    )
    try:
        claims = jwt.decode(token, SECRET, algorithms=[ALGORITHM])
        email = claims.get("sub")
        if email is None:
            raise credentials_error
        token_data = TokenData(email=email)
    except InvalidTokenError:
        raise credentials_error
    user = get_user(users, email=token_data.email)
    if user is None:
        raise credentials_error
    return user
