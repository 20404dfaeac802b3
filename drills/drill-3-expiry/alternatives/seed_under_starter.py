"""Drill 3 · expiry. Read the prompt with: drilltutor start expiry"""

import os
from datetime import datetime, timedelta, timezone

from jose import JWTError, jwt

SECRET = os.environ["SECRET_KEY"]  # as in drill 2: the secret lives in the environment

from jose import jwt, JWTError
past = datetime.now(timezone.utc) - timedelta(minutes=1)
token = jwt.encode({"sub": "sam@uae.dev", "exp": past}, SECRET, algorithm="HS256")
try:
    jwt.decode(token, SECRET, algorithms=["HS256"])
except JWTError as e:
    print("rejected:", e) # rejected: Signature has expired.
