# expect: decode
"""Mistake: PyJWT decode with the signature check switched off, to get past an error."""

import os
from datetime import datetime, timedelta, timezone

import jwt

SECRET = os.environ["SECRET_KEY"]

exp = datetime.now(timezone.utc) + timedelta(minutes=30)
token = jwt.encode({"sub": "sam@uae.dev", "exp": exp}, SECRET, algorithm="HS256")
print(jwt.decode(token, options={"verify_signature": False})["sub"])
