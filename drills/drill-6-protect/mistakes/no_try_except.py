# expect: me-garbage
"""Mistake: decode without try/except, so a token that is not a JWT crashes the route (500)."""

import os

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import jwt

SECRET = os.environ["SECRET_KEY"]
users: dict = {}
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="login")


def get_current_user(token: str = Depends(oauth2_scheme)):
    email = jwt.decode(token, SECRET, algorithms=["HS256"]).get("sub")
    user = users.get(email)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    return user


app = FastAPI()


@app.get("/me")
def read_me(user: dict = Depends(get_current_user)):
    return {"email": user["email"]}
