"""`drilltutor scaffold gradescope|classroom DIR`: the files an autograding host needs to run `grade`.

- Gradescope: an autograder folder (`setup.sh`, `run_autograder`) to zip and upload. setup.sh
  installs drilltutor into a venv under /opt that every user can read, since the learner's code
  runs as `nobody` (Gradescope runs the autograder as root) and must start drilltutor's Python.
- GitHub Classroom: `.github/workflows/classroom.yml`, one graded step per drill
  (classroom-resources/autograding-command-grader: full points when the command exits 0, which
  `grade --strict` does only when every check of the drill passed), and the reporter after them.

The files are returned as data; `write` puts them in place and never overwrites without `force`.
"""

from __future__ import annotations

import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from drilltutor import __version__, paths
from drilltutor.catalogue import Catalogue, Drill
from drilltutor.errors import DrilltutorError
from drilltutor.grading import GRADE_TIMEOUT, drill_points

HOSTS = ("gradescope", "classroom")
VENV = "/opt/drilltutor"  # readable by every user, unlike a venv under /root
SOURCE = "/autograder/source"  # where Gradescope unpacks the uploaded autograder folder


@dataclass(frozen=True)
class ScaffoldFile:
    path: str  # relative to the scaffold's folder
    text: str = ""
    mode: int = 0o644
    copy_of: Path | None = None  # a file copied as it is (a wheel, a drills folder) instead of `text`


def default_install() -> str:
    return f"drilltutor=={__version__}"


def files_for(host: str, catalogue: Catalogue, names: Sequence[str], install: str, timeout: float = GRADE_TIMEOUT) -> list[ScaffoldFile]:
    """The files for `host`, for the drills named (default: all). Drills other than the bundled
    ones are shipped in the Gradescope folder; a classroom workflow takes only the bundled ones."""
    if host not in HOSTS:
        raise DrilltutorError(f"{host!r} is not one of {', '.join(HOSTS)}.")
    wanted = {catalogue.find(name).id for name in names}
    drills = [d for d in catalogue.drills if not wanted or d.id in wanted]
    own = None if catalogue.folder.resolve() == paths.bundled_drills_dir().resolve() else catalogue.folder
    if host == "gradescope":
        return gradescope(drills, install, own, timeout)
    if own is not None:
        raise DrilltutorError(
            "A classroom workflow runs in the student's own repository, where drills shipped with it would not stay hidden.",
            hint="Use the bundled drills (no --drills-dir or DRILLTUTOR_DRILLS), or grade on Gradescope.",
        )
    return classroom(drills, install, timeout)


def gradescope(drills: Sequence[Drill], install: str, drills_dir: Path | None = None, timeout: float = GRADE_TIMEOUT) -> list[ScaffoldFile]:
    files: list[ScaffoldFile] = []
    spec = install
    if Path(install).is_file():  # a wheel or sdist of drilltutor: shipped inside the autograder folder
        files.append(ScaffoldFile(Path(install).name, copy_of=Path(install)))
        spec = f"{SOURCE}/{Path(install).name}"
    grade_args = [f"--drill={d.id}" for d in drills]
    if drills_dir is not None:
        files.append(ScaffoldFile("drills", copy_of=drills_dir))
        grade_args.append(f"--drills-dir={SOURCE}/drills")
    files.append(ScaffoldFile("setup.sh", _SETUP.format(venv=VENV, spec=shlex.quote(spec)), 0o755))
    run = _RUN.format(venv=VENV, args=" ".join(shlex.quote(a) for a in [*grade_args, f"--timeout={timeout:g}"]))
    files.append(ScaffoldFile("run_autograder", run, 0o755))
    return files


_SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu 22.04 or newer:
# drilltutor needs Python 3.10+). drilltutor goes into a venv under /opt: the learner's code runs
# as the unprivileged user nobody, who must be able to start drilltutor's Python but not change it.
set -euo pipefail
apt-get update
apt-get install -y python3 python3-venv python3-pip
/usr/bin/python3 -m venv {venv}  # the system Python: one under /root (pyenv) could not be run by nobody
{venv}/bin/pip install --upgrade pip
{venv}/bin/pip install {spec}
chmod -R go-w {venv}
"""

_RUN = """#!/usr/bin/env bash
# Gradescope runs this as root for each submission. drilltutor copies /autograder/submission into a
# folder the learner's code cannot change, runs each drill as the user nobody, and writes
# results.json only after every learner process is gone. It exits 2 when the grader itself is set
# up wrongly; the student then sees that message instead of a score.
set -uo pipefail
mkdir -p /autograder/results
chmod 755 /autograder/results
cd /autograder
export COLUMNS=1000  # drilltutor's messages unwrapped in what the student reads
{venv}/bin/drilltutor grade /autograder/submission {args} --format=gradescope --out=/autograder/results/results.json 2>/autograder/results/grade.err
status=$?
if [ "$status" -ne 0 ]; then
  {venv}/bin/python - "$status" <<'PY'
import json, sys
said = open("/autograder/results/grade.err", encoding="utf-8", errors="replace").read().strip()
json.dump({{"score": 0, "output": f"The autograder could not grade this submission (drilltutor exit {{sys.argv[1]}}):\\n{{said}}"}},
          open("/autograder/results/results.json", "w"))
PY
fi
cat /autograder/results/grade.err >&2
"""


def classroom(drills: Sequence[Drill], install: str, timeout: float = GRADE_TIMEOUT) -> list[ScaffoldFile]:
    files: list[ScaffoldFile] = []
    spec = install
    if Path(install).is_file():  # shipped in the assignment's template repository
        spec = f".github/classroom/{Path(install).name}"
        files.append(ScaffoldFile(spec, copy_of=Path(install)))
    steps = [_CLASSROOM_STEP.format(id=d.id, name=f"{d.id} ({d.alias})", points=f"{drill_points(d):g}", timeout=f"{timeout:g}") for d in drills]
    env = "\n".join(f'        {d.id.upper()}_RESULTS: "${{{{steps.{d.id}.outputs.result}}}}"' for d in drills)
    workflow = _CLASSROOM.format(spec=shlex.quote(spec), steps="".join(steps), env=env, runners=",".join(d.id for d in drills))
    files.append(ScaffoldFile(".github/workflows/classroom.yml", workflow))
    return files


_CLASSROOM = """# GitHub Classroom autograding, written by `drilltutor scaffold classroom`: one graded step per
# drill, full points for a drill when every one of its checks passes (`grade --strict` exits 0).
# It runs in the student's own repository, as the runner's user: see the README's "Grading with
# drilltutor" for what that does and does not protect.
name: Autograding Tests
'on':
- push
- repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
    - name: Checkout code
      uses: actions/checkout@v4
    - name: Set up Python
      uses: actions/setup-python@v5
      with:
        python-version: '3.12'
    - name: Install drilltutor
      run: python -m pip install {spec}
{steps}    - name: Autograding Reporter
      uses: classroom-resources/autograding-grading-reporter@v1
      env:
{env}
      with:
        runners: {runners}
"""

_CLASSROOM_STEP = """    - name: {name}
      id: {id}
      uses: classroom-resources/autograding-command-grader@v1
      with:
        test-name: {name}
        setup-command: ''
        command: drilltutor grade . --drill={id} --timeout={timeout} --strict --format=json --out={id}.grade.json
        timeout: 10
        max-score: {points}
"""


def write(files: Sequence[ScaffoldFile], folder: Path, force: bool = False) -> list[Path]:
    """Put the files in `folder`; refuse, before writing any, when one exists and `force` is not given."""
    targets = [folder / f.path for f in files]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        raise DrilltutorError(f"{', '.join(map(str, existing))} already exist{'s' if len(existing) == 1 else ''}.", hint="Choose an empty folder, or --force to overwrite.")
    for file, target in zip(files, targets):
        target.parent.mkdir(parents=True, exist_ok=True)
        if file.copy_of is not None and file.copy_of.is_dir():
            shutil.copytree(file.copy_of, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
            continue
        if file.copy_of is not None:
            shutil.copyfile(file.copy_of, target)
        else:
            target.write_text(file.text, encoding="utf-8", newline="\n")
        target.chmod(file.mode)
    return targets
