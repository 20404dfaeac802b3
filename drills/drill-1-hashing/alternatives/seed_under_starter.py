"""Drill 1 · hashing. Read the prompt with: drilltutor start hashing"""

from passlib.context import CryptContext

from passlib.context import CryptContext
pwd = CryptContext(schemes=["bcrypt"], deprecated="auto")
hashed = pwd.hash("hunter2pls")
print(pwd.verify("hunter2pls", hashed)) # True
print(pwd.verify("wrong", hashed)) # False
