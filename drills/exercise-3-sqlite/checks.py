"""Hidden checks for exercise-3 (sqlite): users in a SQLite table at the path in TASKS_DB.

The project's checks run first, on the app in this process, whose working folder is the
run's scratch folder; TASKS_DB points into that folder too, so a file that ignores TASKS_DB
and writes "tasks.db" lands on the same file here. That is why the restart check starts the
learner's file twice more, one process after the other, each in a folder of its own.

bcrypt: one register in the first new process; one login and (if the app hashes before
it looks) one hash for the duplicate in the second. The table itself is read directly.

Plain sqlite3 and SQLAlchemy (ORM or Core) are both right; the checks read the file the
same way for both, and a fix names each step in the words of the library the file imports.
"""

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drilltutor.checking import Ctx, Failure, check, explains_failure, kit

# Bound before the learner's file runs (it imports sqlite3 too), like the checks' httpx.
_connect, _DatabaseError = sqlite3.connect, sqlite3.DatabaseError
# The run's scratch folder, read before the learner's code could change the working folder.
SCRATCH = Path.cwd()
DB_SUFFIXES = (".db", ".sqlite", ".sqlite3")
COLUMNS = ("username", "hashed_password", "role")


flow = kit("tasksflow")
USER, ADMIN = flow.USER, flow.ADMIN
TABLE_SQL = "CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY, hashed_password TEXT NOT NULL, role TEXT NOT NULL)"


@dataclass(frozen=True)
class Words:
    """Each step a fix may name, in the words of one library."""

    connect: str  # open the database at TASKS_DB
    create: str  # the users table, made before the first request
    write: str  # /register stores the user
    read: str  # /token and get_current_user find the user
    commit: str  # a write other connections can see
    catch: str  # the refused duplicate becomes a 400
    unique: str  # the table refuses a second row for a name
    role: str  # the role from the body is stored
    keep: str  # startup keeps what is there


SQLITE3 = Words(
    connect='sqlite3.connect(os.environ["TASKS_DB"])',
    create=TABLE_SQL + ", then commit",
    write="INSERT the user into the table",
    read="SELECT ... FROM users WHERE username = ?",
    commit="conn.commit() after the INSERT, or run it inside `with conn:`, which commits when the block ends",
    catch="wrap the INSERT in try/except sqlite3.IntegrityError and raise HTTPException(status_code=400) from the except",
    unique="username PRIMARY KEY (or UNIQUE)",
    role="INSERT ... VALUES (?, ?, ?) with (body.username, hashed, body.role)",
    keep="create the table with CREATE TABLE IF NOT EXISTS and never DROP it or DELETE its rows at startup",
)
SQLALCHEMY = Words(
    connect='create_engine(f"sqlite:///{os.environ[\'TASKS_DB\']}")',
    create='a model with __tablename__ = "users" (or Table("users", metadata, ...)) and the columns username, hashed_password, role, then Base.metadata.create_all(engine) (Core: metadata.create_all(engine))',
    write="add the user: session.add(User(...)) (Core: conn.execute(insert(users).values(...)))",
    read="session.get(User, username) (Core: select(users).where(users.c.username == username))",
    commit="session.commit() after session.add(...), or (Core) write inside `with engine.begin() as conn:`, which commits when the block ends",
    catch="wrap the commit (Core: the engine.begin() block) in try/except sqlalchemy.exc.IntegrityError, roll the session back, and raise HTTPException(status_code=400)",
    unique="username the primary key: mapped_column(primary_key=True) (or unique=True)",
    role="User(username=body.username, hashed_password=hashed, role=body.role)",
    keep="create_all() only creates what is missing: never drop_all() or delete rows at startup",
)
_USES_SQLALCHEMY = re.compile(r"^\s*(from|import)\s+sqlalchemy\b", re.MULTILINE)


def _words(ctx: Ctx) -> Words:
    return SQLALCHEMY if _USES_SQLALCHEMY.search(ctx.source) else SQLITE3


def _db_path(ctx: Ctx) -> Path:
    return Path(ctx.env.get("TASKS_DB") or SCRATCH / "tasks.db")


def _strays(folder: Path, ctx: Ctx) -> list[Path]:
    """Database files in `folder` other than TASKS_DB: where a hard-coded path put them."""
    if not folder.is_dir():
        return []
    wanted = _db_path(ctx).resolve()
    return sorted(p for p in folder.iterdir() if p.suffix in DB_SUFFIXES and p.is_file() and p.resolve() != wanted)


class _Table:
    """The users table as another connection sees it: committed rows only."""

    def __init__(self, path: Path) -> None:
        conn = _connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=2)
        try:
            self.tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            self.name = next((t for t in self.tables if t.lower() == "users"), None)
            self.columns: list[str] = []
            self.rows: list[dict] = []
            if self.name is not None:
                self.columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{self.name}")')]
                cursor = conn.execute(f'SELECT * FROM "{self.name}"')
                names = [d[0].lower() for d in cursor.description]
                self.rows = [dict(zip(names, row)) for row in cursor.fetchall()]
        finally:
            conn.close()

    def user(self, username: str) -> dict | None:
        return next((row for row in self.rows if row.get("username") == username), None)


def _read_table(ctx: Ctx, sent: str) -> _Table:
    path = _db_path(ctx)
    try:
        return _Table(path)
    except _DatabaseError as exc:
        raise Failure(
            sent=sent,
            got=f"{path} could not be read as SQLite: {exc}",
            expected="a SQLite database file",
            fix=f"create it as SQLite: {_words(ctx).connect}, and write nothing else to that path",
        ) from None


@check("register-duplicate", "Registering a taken username again is a 400 (the table's unique constraint, caught)", needs=("register",))
def register_duplicate(ctx: Ctx) -> None:
    response = flow.register(flow.api(ctx), USER, password="another-password-7")
    if response.status == 400:
        return
    raise _not_refused(ctx, response, "400: ada is already registered (and her password must not change)")


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*: ")


def _not_refused(ctx: Ctx, response: Any, expected: str) -> Failure:
    """A second /register of a taken name that was not a 400; a crash named by its exception's own
    line, since SQLAlchemy's message ends with a link rather than the cause."""
    causes = [line for line in response.error.splitlines() if _EXCEPTION_LINE.match(line)]
    got = f"{response.status}, because your code raised {causes[-1]}" if causes else response.brief()
    return Failure(sent=response.sent, got=got, expected=expected, fix=_duplicate_fix(ctx, response), detail=response.error)


def _duplicate_fix(ctx: Ctx, response: Any) -> str:
    """Why a second /register of a taken name was not a 400."""
    words = _words(ctx)
    if "IntegrityError" in response.error:
        return "the table refused the second row, which is right, but nothing caught it: " + words.catch
    if response.status in (200, 201):
        return f"the table let the name in twice: make {words.unique}, then " + words.catch
    return flow.route_fix(response, "POST /register", "answer a taken username with 400: " + words.catch)


@check("users-table", "The users sit in a `users` table (username, hashed_password, role) at TASKS_DB, committed", needs=("login",))
def users_table(ctx: Ctx) -> None:
    path = _db_path(ctx)
    sent = f"after ada and grace registered and logged in, opened TASKS_DB ({path}) with a connection of the checks' own"
    words = _words(ctx)
    if not path.is_file():
        strays = _strays(SCRATCH, ctx)
        if strays:
            got = f"no file there, but your app wrote {strays[0].name} in its working folder"
            fix = f"open the path the environment names: {words.connect}, not a file name of your own"
        else:
            got = "no file there: the users are still kept somewhere else (in memory?)"
            fix = f"keep users in SQLite: {words.connect}; at startup {words.create}; in /register {words.write}; in /token and get_current_user {words.read}"
        raise Failure(sent=sent, got=got, expected="a SQLite database file", fix=fix)
    table = _read_table(ctx, sent)
    if table.name is None:
        raise Failure(
            sent=sent,
            got=f"tables: {', '.join(table.tables) or 'none'}",
            expected="a table called users",
            fix=f"create it before the first request, at import or in your lifespan: {words.create}",
        )
    missing = [c for c in COLUMNS if c not in (name.lower() for name in table.columns)]
    if missing:
        raise Failure(
            sent=sent,
            got=f"a users table with the columns {', '.join(table.columns)}",
            expected=f"the columns {', '.join(COLUMNS)}",
            fix=f"add {', '.join(missing)}: {words.create} (delete an old tasks.db you made by hand, so the table is created afresh)",
        )
    for name, role in ((USER, "user"), (ADMIN, "admin")):
        row = table.user(name)
        if row is None:
            memory = ctx.namespace.get("users")
            if isinstance(memory, dict) and name in memory:
                got, fix = (
                    f"no row for {name} (she is in the `users` dict of your file instead)",
                    f"in /register {words.write}, and in /token and get_current_user {words.read}; then delete the users dict",
                )
            else:
                got, fix = (
                    f"no row for {name}, though she logs in: the write was never committed, so only the connection that made it can see it",
                    "commit after writing: " + words.commit,
                )
            raise Failure(sent=sent, got=got + f" ({len(table.rows)} rows in all)", expected=f"a committed row for {name}", fix=fix)
        if row.get("role") != role:
            raise Failure(
                sent=sent,
                got=f"{name}'s row has role {row.get('role')!r}",
                expected=f"role {role!r}, as /register answered",
                fix="store the role from the body in the role column: " + words.role,
            )


def _stored(ctx: Ctx, name: str) -> bool:
    """Whether `name` has a committed row in the users table at TASKS_DB."""
    try:
        return _db_path(ctx).is_file() and _Table(_db_path(ctx)).user(name) is not None
    except _DatabaseError:
        return False


def _restart_fix(ctx: Ctx, name: str, first: Path, login, stored_before: bool) -> str:
    """Why an account made in process 1 is not known to process 2."""
    words = _words(ctx)
    strays = _strays(first, ctx)
    if strays:
        return (
            f"process 1 wrote {first.name}/{strays[0].name}, inside its own working folder, and process 2 started "
            f"with an empty one in another folder: connect with {words.connect}, not to a bare file name"
        )
    if login.error:
        return "your /token raised in process 2; the traceback below shows the line"
    if stored_before and not _stored(ctx, name):
        return f"{name} was in the table when process 1 stopped, and process 2's start removed that row: {words.keep}"
    if stored_before:
        return f"{name} is in the table at TASKS_DB, yet /token refused the right password: look the user up with {words.read}, not in a dict"
    return f"{name} never reached the table at TASKS_DB: in /register {words.write}, and commit: {words.commit}"


@check("survives-restart", "An account registered in one process logs in from the next; a duplicate there is still a 400", needs=("users-table",))
def survives_restart(ctx: Ctx) -> None:
    name = flow.fresh("kim")
    first, second = SCRATCH / "first-process", SCRATCH / "second-process"
    first.mkdir(exist_ok=True)
    second.mkdir(exist_ok=True)
    with ctx.serve_process(cwd=first, label="process 1, in first-process/") as raw:
        registered = flow.register(flow.api(ctx, raw), name)
    if registered.status != 201:
        raise flow.fail(
            registered,
            f'201 with {{"username": "{name}", "role": "user"}}, as for ada and grace',
            flow.route_fix(registered, "POST /register", "a new process starts from your file and its environment alone; register must work there as it did here"),
        )
    # Process 1 is gone now: whatever process 2 knows of the account, it reads from disk.
    stored_before = _stored(ctx, name)
    with ctx.serve_process(cwd=second, label="process 2, in second-process/, started after process 1 stopped") as raw:
        client = flow.api(ctx, raw)
        login = flow.login(client, name)
        token = flow.access_token(login)
        if login.status != 200 or token is None:
            raise Failure(
                sent=f"{registered.sent}: 201; process 1 stopped; then {login.sent}",
                got=login.brief(),
                expected=f'200 with {{"access_token": ...}}: {name} registered before the restart',
                fix=_restart_fix(ctx, name, first, login, stored_before),
                detail=login.error,
            )
        listed = client.get("/tasks", token=token, label=f"the token {name} got from the second process")
        if listed.status != 200:
            raise Failure(
                sent=f"{login.sent}, then {listed.sent}",
                got=listed.brief(),
                expected="200: the token is good and the user exists",
                fix=f"get_current_user must look the user up in the table too ({_words(ctx).read}), not in a dict that a new process starts empty",
                detail=listed.error,
            )
        # Only after the login: sent at once, a duplicate that lands first in an empty table
        # would make an account the login then finds, and hide why the restart lost it.
        duplicate = flow.register(client, name, password="another-" + name)
        if duplicate.status != 400:
            raise _not_refused(ctx, duplicate, f"400: {name} registered before the restart")


@check("no-plain-text", "The database file never holds a password as typed", needs=("users-table",))
def no_plain_text(ctx: Ctx) -> None:
    path = _db_path(ctx)
    # Every password sent to /register (tasksflow keeps them); ada's and grace's in any case.
    passwords = sorted(set(ctx.state.get("passwords", ())) | set(flow.PASSWORDS.values()))
    # Recent writes can still sit in the journal or the write-ahead log next to the file.
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")):
        data = file.read_bytes() if file.is_file() else b""
        leaked = next((p for p in passwords if p.encode() in data), None)
        if leaked is not None:
            row = next((r for r in _read_table(ctx, "read the users table").rows if leaked in r.values()), None)
            where = f" (the row of {row.get('username')!r})" if row else ""
            raise Failure(
                sent=f"read the bytes of {file} after the checks registered users with the passwords {', '.join(map(repr, passwords))}",
                got=f"the password {leaked!r} as typed{where}",
                expected="hashes only, never a password as typed: a stolen database file must not give the passwords away",
                fix="store pwd.hash(body.password) in hashed_password, and check a login with pwd.verify(form.password, row[\"hashed_password\"])",
            )


@explains_failure
def database_left_locked(ctx: Ctx, failure: Failure) -> str | None:
    """A request that hung (or failed as "database is locked") while a connection of the
    learner's app holds a write transaction open: observed by asking for the write lock."""
    if "no answer within" not in failure.got and "database is locked" not in f"{failure.got} {failure.detail}":
        return None
    path = _db_path(ctx)
    if not path.is_file():
        return None
    probe = sqlite3.connect(path, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.rollback()
        return None
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            return None
    finally:
        probe.close()
    return (
        "the database is locked: a connection of your app left a transaction open (an INSERT that raised IntegrityError, "
        "caught with no rollback), so every other connection waits for it. Roll back in the except (conn.rollback()), "
        "or use `with conn:`, which commits when the block ends and rolls back when it raises (SQLAlchemy: a `with Session(engine) as db:` block, db.rollback() on the error)"
    )
