"""PyJWT, the decode inside a helper whose key is a parameter, with options that add a check
(require exp) rather than switch one off: the checks read this call instead of replaying it."""

import os
from datetime import datetime, timedelta, timezone

import jwt

SECRET = os.environ["SECRET_KEY"]
token = jwt.encode({"sub": "sam@uae.dev", "exp": datetime.now(timezone.utc) - timedelta(minutes=1)}, SECRET, algorithm="HS256")


def read(encoded: str, key: str) -> dict:
    return jwt.decode(encoded, key, algorithms=["HS256"], options={"require": ["exp", "sub"]})


try:
    read(token, SECRET)
except jwt.InvalidTokenError as err:
    print("rejected:", err)
