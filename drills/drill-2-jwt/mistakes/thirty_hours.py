# expect: exp
"""Mistake: timedelta(hours=30) where 30 minutes was meant."""

import os
from datetime import datetime, timedelta, timezone

from jose import jwt

SECRET = os.environ["SECRET_KEY"]

exp = datetime.now(timezone.utc) + timedelta(hours=30)
token = jwt.encode({"sub": "sam@uae.dev", "exp": exp}, SECRET, algorithm="HS256")
print(jwt.decode(token, SECRET, algorithms=["HS256"])["sub"])
