# expect: signature
"""Mistake: the key typed into both calls; decode agrees with itself, but no other process would."""

from datetime import datetime, timedelta, timezone

from jose import JWTError, jwt

past = datetime.now(timezone.utc) - timedelta(minutes=1)
token = jwt.encode({"sub": "sam@uae.dev", "exp": past}, "change-me", algorithm="HS256")

try:
    jwt.decode(token, "change-me", algorithms=["HS256"])
except JWTError as err:
    print("rejected:", err)
