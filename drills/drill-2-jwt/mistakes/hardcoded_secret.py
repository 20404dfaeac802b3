# expect: secret, signature
"""Mistake: the secret typed into the file, so a token from it verifies nowhere else."""

from datetime import datetime, timedelta, timezone

from jose import jwt

SECRET = "super-secret-dev-key"

exp = datetime.now(timezone.utc) + timedelta(minutes=30)
token = jwt.encode({"sub": "sam@uae.dev", "exp": exp}, SECRET, algorithm="HS256")
print(jwt.decode(token, SECRET, algorithms=["HS256"])["sub"])
