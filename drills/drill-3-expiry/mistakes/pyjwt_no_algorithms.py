# expect: rejected-for-expiry
"""Mistake: PyJWT decode without `algorithms`; it refuses before reading exp, and a broad except hides why."""

import os
from datetime import datetime, timedelta, timezone

import jwt

SECRET = os.environ["SECRET_KEY"]

past = datetime.now(timezone.utc) - timedelta(minutes=1)
token = jwt.encode({"sub": "sam@uae.dev", "exp": past}, SECRET, algorithm="HS256")

try:
    jwt.decode(token, SECRET)
except jwt.InvalidTokenError as err:
    print("rejected:", err)
