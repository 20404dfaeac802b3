# expect: sub
"""Mistake: the email under a key of its own ("email") instead of the registered `sub` claim."""

import os
from datetime import datetime, timedelta, timezone

from jose import jwt

SECRET = os.environ["SECRET_KEY"]

exp = datetime.now(timezone.utc) + timedelta(minutes=30)
token = jwt.encode({"email": "sam@uae.dev", "exp": exp}, SECRET, algorithm="HS256")
print(jwt.decode(token, SECRET, algorithms=["HS256"])["email"])
