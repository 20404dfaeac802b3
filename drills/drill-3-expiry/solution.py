"""Drill 3 · expiry: a reference solution."""

import os
from datetime import datetime, timedelta, timezone

from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]

a_minute_ago = datetime.now(timezone.utc) - timedelta(minutes=1)
token = jwt.encode({"sub": "sam@uae.dev", "exp": a_minute_ago}, SECRET, algorithm="HS256")

try:
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    print("accepted:", claims)  # never reached: decode checks exp and raises first
except JWTError as err:  # ExpiredSignatureError is one kind of JWTError; an API answers 401 here
    print("rejected:", err)
