# expect: bcrypt-hash
"""Mistake: passlib, but the wrong scheme: sha256_crypt is salted, and still fast enough to brute-force."""

from passlib.context import CryptContext

pwd = CryptContext(schemes=["sha256_crypt"], deprecated="auto")
hashed = pwd.hash("hunter2pls")
print(pwd.verify("hunter2pls", hashed))
print(pwd.verify("wrong", hashed))
