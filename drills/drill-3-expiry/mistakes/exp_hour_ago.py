# expect: expired
"""Mistake: timedelta(hours=1) where a minute was asked for; decode still rejects it, but the token is not the one the drill wants."""

import os
from datetime import datetime, timedelta, timezone

from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]

past = datetime.now(timezone.utc) - timedelta(hours=1)
token = jwt.encode({"sub": "sam@uae.dev", "exp": past}, SECRET, algorithm="HS256")

try:
    jwt.decode(token, SECRET, algorithms=["HS256"])
except JWTError as err:
    print("rejected:", err)
