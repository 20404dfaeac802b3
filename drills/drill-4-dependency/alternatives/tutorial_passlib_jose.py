"""In the style of FastAPI's security tutorial of the passlib + python-jose years: pydantic
models for the user, a get_user(db, email) helper that builds UserInDB from the stored
record, a TokenData model for the claims, and default-argument Depends."""

import os
from typing import Optional

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt
from passlib.context import CryptContext
from pydantic import BaseModel

SECRET = os.environ["SECRET_KEY"]
ALGORITHM = "HS256"

users: dict = {}


class TokenData(BaseModel):
    email: Optional[str] = None


class User(BaseModel):
    email: str
    username: Optional[str] = None
    full_name: Optional[str] = None
    disabled: Optional[bool] = None


class UserInDB(User):
    hashed_password: str


pwd_context = CryptContext(schemes=["bcrypt"], deprecated="auto")
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")


def get_user(db: dict, email: str) -> Optional[UserInDB]:
    if email in db:
        return UserInDB(**db[email])
    return None


def get_current_user(token: str = Depends(oauth2_scheme)) -> UserInDB:
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
    except JWTError:
        raise credentials_error
    user = get_user(users, email=token_data.email)
    if user is None:
        raise credentials_error
    return user
