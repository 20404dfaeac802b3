"""Drill 1 · hashing: a reference solution."""

from passlib.context import CryptContext

pwd = CryptContext(schemes=["bcrypt"], deprecated="auto")

stored = pwd.hash("hunter2pls")  # this string is what a database would keep

print(pwd.verify("hunter2pls", stored))  # True
print(pwd.verify("hunter2plz", stored))  # False
