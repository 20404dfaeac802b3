# expect: bcrypt-hash
"""Mistake: encoding the password as ASCII, so any password with an accent crashes."""

import bcrypt


class AsciiContext:
    def hash(self, password):
        return bcrypt.hashpw(password.encode("ascii"), bcrypt.gensalt()).decode()

    def verify(self, password, hashed):
        return bcrypt.checkpw(password.encode("ascii"), hashed.encode())


pwd = AsciiContext()
hashed = pwd.hash("hunter2pls")
print(pwd.verify("hunter2pls", hashed))
print(pwd.verify("wrong", hashed))
