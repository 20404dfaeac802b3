"""Drill 6 · protect. Read the prompt with: drilltutor start protect"""

import os

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]

# email -> {"email": ..., "hashed_password": ...}. The checks put their own users in here.
users: dict = {}

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")


def get_current_user(token: str = Depends(oauth2_scheme)):
    """Drill 4's guard, done for you: the user the token names, or a 401."""
    unauthorized = HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "Could not validate credentials",
        headers={"WWW-Authenticate": "Bearer"},
    )
    try:
        email = jwt.decode(token, SECRET, algorithms=["HS256"]).get("sub")
    except JWTError:
        raise unauthorized
    user = users.get(email)
    if user is None:
        raise unauthorized
    return user


app = FastAPI()

# Add GET /me. Guard it with get_current_user and answer {"email": ...} for the user
# the token names. The user dict also holds "hashed_password": keep that out of the answer.
