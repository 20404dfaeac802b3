"""Drill 1 · hashing. Read the prompt with: drilltutor start hashing"""

from passlib.context import CryptContext

# 1. Create `pwd`, a CryptContext that hashes with bcrypt.

# 2. Hash the password "hunter2pls".

# 3. Print pwd.verify(...) with the right password (True), then with a wrong one (False).
