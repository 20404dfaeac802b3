# expect: me-no-token
"""Mistake: /me with no guard at all; it answers the first user to whoever asks."""

import os

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]
users: dict = {}
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")


def get_current_user(token: str = Depends(oauth2_scheme)):
    unauthorized = HTTPException(
        status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"}
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


@app.get("/me")
def read_me():
    # "auth comes later": until then the route hands out an account to anyone
    user = next(iter(users.values()))
    return {"email": user["email"]}
