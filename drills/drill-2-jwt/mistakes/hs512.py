# expect: alg
"""Mistake: HS512 because "bigger is safer"; the drill (and every other part of the app) expects HS256."""

import os
from datetime import datetime, timedelta, timezone

from jose import jwt

SECRET = os.environ["SECRET_KEY"]

exp = datetime.now(timezone.utc) + timedelta(minutes=30)
token = jwt.encode({"sub": "sam@uae.dev", "exp": exp}, SECRET, algorithm="HS512")
print(jwt.decode(token, SECRET, algorithms=["HS512"])["sub"])
