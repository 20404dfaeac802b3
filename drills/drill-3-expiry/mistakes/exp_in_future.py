# expect: expired
"""Mistake: `+` where `-` was meant, so the "expired" token is good for another minute."""

import os
from datetime import datetime, timedelta, timezone

from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]

past = datetime.now(timezone.utc) + timedelta(minutes=1)
token = jwt.encode({"sub": "sam@uae.dev", "exp": past}, SECRET, algorithm="HS256")

try:
    print(jwt.decode(token, SECRET, algorithms=["HS256"]))
except JWTError as err:
    print("rejected:", err)
