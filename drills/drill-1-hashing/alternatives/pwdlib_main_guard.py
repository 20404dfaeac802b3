"""pwdlib instead of passlib, with the prints under a __main__ guard."""

from pwdlib import PasswordHash
from pwdlib.hashers.bcrypt import BcryptHasher

pwd = PasswordHash((BcryptHasher(),))

if __name__ == "__main__":
    hashed = pwd.hash("hunter2pls")
    print(pwd.verify("hunter2pls", hashed))
    print(pwd.verify("not-it", hashed))
