# expect: decodes
"""Mistake: the token is right, but the file announces the rejection itself instead of letting decode decide."""

import os
from datetime import datetime, timedelta, timezone

from jose import jwt

SECRET = os.environ["SECRET_KEY"]

past = datetime.now(timezone.utc) - timedelta(minutes=1)
token = jwt.encode({"sub": "sam@uae.dev", "exp": past}, SECRET, algorithm="HS256")

if past < datetime.now(timezone.utc):
    print("rejected: token expired")
