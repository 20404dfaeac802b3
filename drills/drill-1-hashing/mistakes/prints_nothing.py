# expect: prints
"""Mistake: a correct `pwd`, but the file never prints the two verify results."""

from passlib.context import CryptContext

pwd = CryptContext(schemes=["bcrypt"], deprecated="auto")
hashed = pwd.hash("hunter2pls")
ok = pwd.verify("hunter2pls", hashed)
