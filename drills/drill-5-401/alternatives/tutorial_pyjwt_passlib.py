"""In the style of FastAPI's security tutorial between its eras: PyJWT with passlib,
Annotated dependencies, pydantic models, and a get_user(db, email) helper that builds
UserInDB from the stored record. InvalidTokenError is the parent of every way PyJWT's
decode refuses a token."""

import os
from typing import Annotated, Union

import jwt
from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jwt.exceptions import InvalidTokenError
from passlib.context import CryptContext
from pydantic import BaseModel

SECRET = os.environ["SECRET_KEY"]
ALGORITHM = "HS256"

users: dict = {}


class TokenData(BaseModel):
    email: Union[str, None] = None


class User(BaseModel):
    email: str
    username: Union[str, None] = None
    full_name: Union[str, None] = None
    disabled: Union[bool, None] = None


class UserInDB(User):
    hashed_password: str


pwd_context = CryptContext(schemes=["bcrypt"], deprecated="auto")
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")


def get_user(db: dict, email: str) -> Union[UserInDB, None]:
    if email in db:
        return UserInDB(**db[email])
    return None


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
