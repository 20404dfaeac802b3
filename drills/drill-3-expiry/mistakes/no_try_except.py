# expect: problem:crash
"""Mistake: no try/except, so the expired-signature error ends the file (in an API: a 500)."""

import os
from datetime import datetime, timedelta, timezone

from jose import jwt

SECRET = os.environ["SECRET_KEY"]

past = datetime.now(timezone.utc) - timedelta(minutes=1)
token = jwt.encode({"sub": "sam@uae.dev", "exp": past}, SECRET, algorithm="HS256")

claims = jwt.decode(token, SECRET, algorithms=["HS256"])
print("rejected:", claims)
