"""In the style of FastAPI's security tutorial of the passlib + python-jose years:
pydantic models, a get_user(db, email) helper that builds UserInDB from the stored
record, default-argument Depends, an active-user dependency, and response_model=User
choosing the public fields."""

import os
from typing import Optional

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt
from passlib.context import CryptContext
from pydantic import BaseModel

SECRET = os.environ["SECRET_KEY"]
ALGORITHM = "HS256"

users: dict = {}


class User(BaseModel):
    email: str
    username: Optional[str] = None
    full_name: Optional[str] = None
    disabled: Optional[bool] = None


class UserInDB(User):
    hashed_password: str


pwd_context = CryptContext(schemes=["bcrypt"], deprecated="auto")
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")

app = FastAPI()


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
        payload = jwt.decode(token, SECRET, algorithms=[ALGORITHM])
    except JWTError:
        raise credentials_error
    user = get_user(users, payload.get("sub") or "")
    if user is None:
        raise credentials_error
    return user


def get_current_active_user(current_user: User = Depends(get_current_user)) -> User:
    if current_user.disabled:
        raise HTTPException(status_code=400, detail="Inactive user")
    return current_user


@app.get("/me", response_model=User)
def read_me(current_user: User = Depends(get_current_active_user)):
    return current_user
