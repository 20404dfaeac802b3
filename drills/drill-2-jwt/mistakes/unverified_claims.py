# expect: decode
"""Mistake: reading the payload with get_unverified_claims, which never checks the signature."""

import os
from datetime import datetime, timedelta, timezone

from jose import jwt

SECRET = os.environ["SECRET_KEY"]

exp = datetime.now(timezone.utc) + timedelta(minutes=30)
token = jwt.encode({"sub": "sam@uae.dev", "exp": exp}, SECRET, algorithm="HS256")
print(jwt.get_unverified_claims(token)["sub"])
